using System.Text;

namespace AICO.Bus;

/// <summary>The constants both halves of the bus handshake agree on (docs/bus-protocol.md).</summary>
internal static class BusHandshakeProtocol
{
    public const uint Version = 2;

    /// <summary>The Noise prologue: binds the bus protocol and its version into the handshake hash.</summary>
    public static readonly byte[] Prologue = Encoding.ASCII.GetBytes("AICO-BUS/2");

    /// <summary>How far a HELLO's timestamp may be from the broker's clock; accepted HELLOs are remembered at least this long.</summary>
    public static readonly TimeSpan ClockWindow = TimeSpan.FromMinutes(5);

    /// <summary>The largest HELLO payload (protocol version, component name, timestamp) a broker decrypts.</summary>
    public const int MaxHelloPayload = 512;
}
