using System.Buffers.Binary;

namespace AICO.Bus;

/// <summary>One message record's fields, as slices of the opened frame (valid until the next frame is opened).</summary>
internal readonly ref struct MessageRecord(ulong ackId, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> source, ReadOnlySpan<byte> correlation, ReadOnlySpan<byte> envelope)
{
    public ulong AckId { get; } = ackId;
    public ReadOnlySpan<byte> Topic { get; } = topic;
    public ReadOnlySpan<byte> Source { get; } = source;
    public ReadOnlySpan<byte> Correlation { get; } = correlation;
    public ReadOnlySpan<byte> Envelope { get; } = envelope;
}

/// <summary>Walks the records of an opened frame; every length is checked, so a malformed frame is refused, never read past.</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> records)
{
    private ReadOnlySpan<byte> _rest = records;

    /// <summary>False at the end; throws <see cref="FormatException"/> on a malformed record.</summary>
    public bool TryNext(out RecordOp op, out ReadOnlySpan<byte> body)
    {
        op = 0;
        body = default;
        if (_rest.IsEmpty)
        {
            return false;
        }

        if (_rest.Length < RecordWriter.RecordHeaderLength)
        {
            throw new FormatException("truncated record header");
        }

        op = (RecordOp)_rest[0];
        var length = BinaryPrimitives.ReadInt32LittleEndian(_rest[1..5]);
        if (length < 0 || length > _rest.Length - RecordWriter.RecordHeaderLength)
        {
            throw new FormatException("record length past the end of the frame");
        }

        body = _rest.Slice(RecordWriter.RecordHeaderLength, length);
        _rest = _rest[(RecordWriter.RecordHeaderLength + length)..];
        return true;
    }

    public static MessageRecord ParseMessage(ReadOnlySpan<byte> body)
    {
        var at = 0;
        var ackId = BinaryPrimitives.ReadUInt64LittleEndian(Take(body, ref at, 8));
        var topic = Take(body, ref at, BinaryPrimitives.ReadUInt16LittleEndian(Take(body, ref at, 2)));
        var source = Take(body, ref at, Take(body, ref at, 1)[0]);
        var correlation = Take(body, ref at, BinaryPrimitives.ReadUInt16LittleEndian(Take(body, ref at, 2)));
        return new MessageRecord(ackId, topic, source, correlation, body[at..]);
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> body, scoped ref int at, int count)
    {
        if (count > body.Length - at)
        {
            throw new FormatException("message record field past the end of the record");
        }

        var slice = body.Slice(at, count);
        at += count;
        return slice;
    }
}
