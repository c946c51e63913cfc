using System.Buffers;
using System.Text;

namespace AICO.Logging;

/// <summary>
/// The log batch format, version 2 (on the bus usually inside its compressed form, <see cref="CompressedLogBatch"/>): version byte, producer, first sequence and record count (sequences are
/// contiguous within a batch), then per record: timestamp (unix microseconds, zig-zag delta to the previous record),
/// level, event id, category (new text or a back-reference to an earlier record's), message, a flags byte, then the
/// exception text, 16-byte trace id, 8-byte span id and extra JSON object when the flags say so.
/// Hand-written rather than protobuf: the consumer binds fields to SQLite straight from the payload
/// (<see cref="LogBatchReader"/>, no per-record objects), and categories are sent once per batch.
/// </summary>
public static class LogBatchCodec
{
    public const byte Version = 2;

    /// <summary>More records than this in one message is a malformed (or hostile) payload.</summary>
    public const int MaxEntriesPerBatch = 100_000;

    internal const int HasException = 1;
    internal const int HasTrace = 2;
    internal const int HasSpan = 4;
    internal const int HasExtra = 8;
    internal const int AllFlags = HasException | HasTrace | HasSpan | HasExtra;

    internal static readonly long MaxMicros =
        (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Encodes hand-made or decoded records; their sequences must be contiguous.</summary>
    public static byte[] Encode(string producer, IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one record.", nameof(entries));
        }

        var encoder = new LogBatchEncoder();
        encoder.Begin(producer, entries[0].Sequence, entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Sequence != entries[0].Sequence + i)
            {
                throw new ArgumentException($"Sequences of a batch are contiguous: record {i} has {entries[i].Sequence}, expected {entries[0].Sequence + i}.", nameof(entries));
            }

            encoder.Add(entries[i]);
        }

        return encoder.Finish();
    }

    /// <summary>
    /// Checks the whole payload and keeps it (not a copy) for the writer; a compressed one (<see cref="CompressedLogBatch"/>)
    /// is unpacked first, so the batch always holds a version-2 payload.
    /// </summary>
    /// <exception cref="FormatException">The payload is not a well-formed log batch.</exception>
    public static LogBatch Decode(ReadOnlyMemory<byte> payload) => Decode(payload, pooled: false);

    /// <summary>
    /// As <see cref="Decode(ReadOnlyMemory{byte})"/>, but a compressed payload is unpacked into an array of the shared
    /// pool, which <see cref="LogBatch.Release"/> gives back: for a receiver that writes each batch once and drops it
    /// (the log consumer), so that the unpacked batches (~42 KB per 512 records) waiting in its queue are neither
    /// allocated per batch nor copied by every garbage collection they live through.
    /// </summary>
    /// <exception cref="FormatException">The payload is not a well-formed log batch.</exception>
    public static LogBatch DecodePooled(ReadOnlyMemory<byte> payload) => Decode(payload, pooled: true);

    private static LogBatch Decode(ReadOnlyMemory<byte> payload, bool pooled)
    {
        byte[]? rented = null;
        if (!payload.IsEmpty && payload.Span[0] == CompressedLogBatch.Version)
        {
            if (pooled)
            {
                (rented, var length) = CompressedLogBatch.UnpackPooled(payload.Span);
                payload = rented.AsMemory(0, length);
            }
            else
            {
                payload = CompressedLogBatch.Unpack(payload.Span);
            }
        }

        try
        {
            var reader = new LogBatchReader(payload.Span);
            var producer = Encoding.UTF8.GetString(reader.Producer);
            var (first, count) = (reader.FirstSequence, reader.Count);
            while (reader.MoveNext())
            {
            }

            return new LogBatch(producer, first, count, payload, rented);
        }
        catch when (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    /// <inheritdoc cref="Decode(ReadOnlyMemory{byte})"/>
    public static LogBatch Decode(ReadOnlySpan<byte> payload) => Decode(new ReadOnlyMemory<byte>(payload.ToArray()));

    internal static long ToUnixMicros(DateTimeOffset timestamp) =>
        (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    internal static long ToUnixMicros(long utcTicks) =>
        (utcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset FromUnixMicros(long micros) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + micros * TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
}
