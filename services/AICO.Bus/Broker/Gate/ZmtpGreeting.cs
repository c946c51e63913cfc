namespace AICO.Bus;

/// <summary>
/// The 64-byte ZMTP 3 greeting: signature (0xFF, 8 padding bytes, 0x7F), version (major, minor), mechanism (20 bytes,
/// NUL padded), as-server, filler. The gate answers with the broker's own greeting and checks the peer's as it arrives.
/// </summary>
internal static class ZmtpGreeting
{
    public const int Length = 64;

    private const int VersionMajorAt = 10;
    private const int MechanismAt = 12;
    private const int MechanismLength = 20;

    /// <summary>Byte for byte what NetMQ's CURVE server ROUTER sends (checked by a test against a real router).</summary>
    public static ReadOnlySpan<byte> Server =>
    [
        0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x00,
        (byte)'C', (byte)'U', (byte)'R', (byte)'V', (byte)'E', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>
    /// Judges the bytes received so far: null while every byte seen is acceptable (read more, or the greeting is
    /// complete), else the refusal reason. Each byte is judged as soon as it arrives, so a legacy peer is refused on its
    /// first byte and nothing it sends reaches the router.
    /// </summary>
    public static string? Refusal(ReadOnlySpan<byte> received)
    {
        if (received.Length >= 1 && received[0] != 0xFF)
        {
            return "zmtp-legacy";
        }

        // ZMTP 1.0 can also start with 0xFF (a long length); only a ZMTP 2+ signature ends with bit 0 of byte 9 set.
        if (received.Length >= 10 && (received[9] & 0x01) == 0)
        {
            return "zmtp-legacy";
        }

        if (received.Length > VersionMajorAt && received[VersionMajorAt] < 3)
        {
            return "zmtp-version";
        }

        if (received.Length > MechanismAt)
        {
            var seen = received[MechanismAt..Math.Min(received.Length, MechanismAt + MechanismLength)];
            if (!seen.SequenceEqual(Server.Slice(MechanismAt, seen.Length)))
            {
                return "mechanism";
            }
        }

        return null;
    }

    public static string Describe(string reason) => reason switch
    {
        "zmtp-legacy" => "a ZMTP 1.0 (pre-greeting) frame",
        "zmtp-version" => "a ZMTP 2.x greeting (3.x required)",
        _ => "a security mechanism other than CURVE",
    };
}
