using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AICO.Bus;

/// <summary>The bus's meter and activity source; ServiceDefaults subscribes to every "AICO.*" name.</summary>
internal static class BusTelemetry
{
    public const string Name = "AICO.Bus";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> MessagesIn = Meter.CreateCounter<long>("aico.bus.messages.in", "{message}", "Messages received (by a client or the broker).");
    public static readonly Counter<long> MessagesOut = Meter.CreateCounter<long>("aico.bus.messages.out", "{message}", "Messages sent (by a client or the broker).");
    public static readonly Counter<long> BytesIn = Meter.CreateCounter<long>("aico.bus.bytes.in", "By", "Sealed frame bytes received.");
    public static readonly Counter<long> BytesOut = Meter.CreateCounter<long>("aico.bus.bytes.out", "By", "Sealed frame bytes sent.");
    public static readonly Counter<long> Drops = Meter.CreateCounter<long>("aico.bus.drops", "{message}", "Messages dropped: full queue, forged or replayed frame, unroutable reply.");
    public static readonly Counter<long> Denials = Meter.CreateCounter<long>("aico.bus.denials", "{denial}", "Handshakes or operations the broker refused.");
    public static readonly Counter<long> HandshakeFailures = Meter.CreateCounter<long>("aico.bus.handshake.failures", "{failure}", "Handshakes that did not end in WELCOME.");
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("aico.bus.request.duration", "ms", "Round trip of a bus request to its reply.");

    public static KeyValuePair<string, object?> Side(string side) => new("aico.bus.side", side);

    public static KeyValuePair<string, object?> Reason(string reason) => new("aico.bus.reason", reason);
}
