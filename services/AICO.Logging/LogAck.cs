namespace AICO.Logging;

/// <summary>
/// The consumer's answer to a batch: every record of <see cref="Producer"/> up to and including
/// <see cref="ContiguousSequence"/> is committed to the database.
/// </summary>
public sealed record LogAck(string Producer, long ContiguousSequence)
{
    private const byte Version = 1;

    public byte[] Encode()
    {
        var writer = new WireWriter(64);
        writer.WriteByte(Version);
        writer.WriteString(Producer);
        writer.WriteVarLong(ContiguousSequence);
        return writer.ToArray();
    }

    /// <exception cref="FormatException">The payload is not an acknowledgement.</exception>
    public static LogAck Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new FormatException($"unsupported log acknowledgement version {version}");
        }

        var ack = new LogAck(reader.ReadString(), reader.ReadVarLong());
        reader.EnsureEnd();
        return ack;
    }
}
