using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// Appends records to a reusable buffer. Record: [op u8][body length u32 LE][body].
/// Message body: [ack id u64][topic u16+utf8][source u8+utf8][correlation u16+utf8][envelope protobuf...].
/// The broker copies topic, correlation and envelope bytes from one record into another without parsing the envelope.
/// </summary>
internal sealed class RecordWriter(int initialCapacity = 64 * 1024)
{
    public const int RecordHeaderLength = 5;
    public const int MaxTopicBytes = 1024;
    public const int MaxCorrelationBytes = 256;
    public const int MaxComponentBytes = 255;

    private byte[] _buffer = new byte[initialCapacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Reset() => Length = 0;

    public void WriteControl(Control control)
    {
        var size = control.CalculateSize();
        var body = Begin(RecordOp.Control, size);
        control.WriteTo(body);
        Length += size;
    }

    public void WriteMessage(RecordOp op, ulong ackId, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> source, ReadOnlySpan<byte> correlation, ReadOnlySpan<byte> envelope)
    {
        CheckFields(topic.Length, source.Length, correlation.Length);
        var size = MessageHeaderSize(topic.Length, source.Length, correlation.Length) + envelope.Length;
        var body = Begin(op, size);
        var at = WriteHeader(body, ackId, topic, source, correlation);
        envelope.CopyTo(body[at..]);
        Length += size;
    }

    /// <summary>Serialises the envelope straight into the buffer (no intermediate array).</summary>
    public void WriteMessage(RecordOp op, ulong ackId, string topic, string correlation, Envelope envelope)
    {
        Span<byte> topicBytes = stackalloc byte[MaxTopicBytes];
        var topicLength = Encoding.UTF8.GetBytes(topic, topicBytes);
        Span<byte> correlationBytes = stackalloc byte[MaxCorrelationBytes];
        var correlationLength = Encoding.UTF8.GetBytes(correlation, correlationBytes);
        var envelopeSize = envelope.CalculateSize();
        var size = MessageHeaderSize(topicLength, 0, correlationLength) + envelopeSize;
        var body = Begin(op, size);
        var at = WriteHeader(body, ackId, topicBytes[..topicLength], ReadOnlySpan<byte>.Empty, correlationBytes[..correlationLength]);
        envelope.WriteTo(body.Slice(at, envelopeSize));
        Length += size;
    }

    /// <summary>
    /// Encodes one message record into a pooled array on the caller's thread, so the socket thread only copies bytes.
    /// Return the array to <see cref="System.Buffers.ArrayPool{T}.Shared"/> when done.
    /// </summary>
    public static (byte[] Buffer, int Length) EncodeMessage(RecordOp op, ulong ackId, string topic, string correlation, Envelope envelope)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var correlationLength = Encoding.UTF8.GetByteCount(correlation);
        if (topicLength > MaxTopicBytes || correlationLength > MaxCorrelationBytes)
        {
            throw new ArgumentException($"a topic is at most {MaxTopicBytes} UTF-8 bytes and a correlation id at most {MaxCorrelationBytes}");
        }

        var envelopeSize = envelope.CalculateSize();
        var bodySize = MessageHeaderSize(topicLength, 0, correlationLength) + envelopeSize;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(RecordHeaderLength + bodySize);
        var span = buffer.AsSpan();
        span[0] = (byte)op;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..5], bodySize);
        var body = span.Slice(RecordHeaderLength, bodySize);
        Span<byte> topicBytes = stackalloc byte[topicLength];
        Encoding.UTF8.GetBytes(topic, topicBytes);
        Span<byte> correlationBytes = stackalloc byte[correlationLength];
        Encoding.UTF8.GetBytes(correlation, correlationBytes);
        var at = WriteHeader(body, ackId, topicBytes, ReadOnlySpan<byte>.Empty, correlationBytes);
        envelope.WriteTo(body.Slice(at, envelopeSize));
        return (buffer, RecordHeaderLength + bodySize);
    }

    public void Append(ReadOnlySpan<byte> records)
    {
        EnsureCapacity(records.Length);
        records.CopyTo(_buffer.AsSpan(Length));
        Length += records.Length;
    }

    public static int MessageHeaderSize(int topic, int source, int correlation) => 8 + 2 + topic + 1 + source + 2 + correlation;

    private Span<byte> Begin(RecordOp op, int bodySize)
    {
        EnsureCapacity(RecordHeaderLength + bodySize);
        _buffer[Length] = (byte)op;
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(Length + 1, 4), bodySize);
        Length += RecordHeaderLength;
        return _buffer.AsSpan(Length, bodySize);
    }

    /// <summary>Checked before a record is begun, so a refused field never leaves a header without its body.</summary>
    private static void CheckFields(int topic, int source, int correlation)
    {
        if (topic > MaxTopicBytes || source > MaxComponentBytes || correlation > MaxCorrelationBytes)
        {
            throw new ArgumentException($"topic ({topic} bytes, at most {MaxTopicBytes}), source ({source}, at most {MaxComponentBytes}) or correlation id ({correlation}, at most {MaxCorrelationBytes}) too long for a bus record");
        }
    }

    private static int WriteHeader(Span<byte> body, ulong ackId, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> source, ReadOnlySpan<byte> correlation)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(body, ackId);
        var at = 8;
        BinaryPrimitives.WriteUInt16LittleEndian(body[at..], (ushort)topic.Length);
        at += 2;
        topic.CopyTo(body[at..]);
        at += topic.Length;
        body[at++] = (byte)source.Length;
        source.CopyTo(body[at..]);
        at += source.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(body[at..], (ushort)correlation.Length);
        at += 2;
        correlation.CopyTo(body[at..]);
        return at + correlation.Length;
    }

    private void EnsureCapacity(int extra)
    {
        if (Length + extra <= _buffer.Length)
        {
            return;
        }

        var size = Math.Max(_buffer.Length * 2, Length + extra);
        Array.Resize(ref _buffer, size);
    }
}
