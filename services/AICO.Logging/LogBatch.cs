using System.Buffers;
using System.Text;

namespace AICO.Logging;

/// <summary>
/// Consecutive records of one producer, sent as one bus message: the checked payload (what the consumer writes from)
/// and, on demand, its records as <see cref="LogEntry"/> objects.
/// </summary>
public sealed class LogBatch
{
    private ReadOnlyMemory<byte>? _payload;
    private IReadOnlyList<LogEntry>? _entries;
    private byte[]? _pooled;
    private bool _released;

    /// <summary>A batch of hand-made records (tests, benchmarks); encoded when the payload is first needed.</summary>
    public LogBatch(string producer, IReadOnlyList<LogEntry> entries)
    {
        Producer = producer;
        _entries = entries.Count > 0 ? entries : throw new ArgumentException("A batch holds at least one record.", nameof(entries));
        FirstSequence = entries[0].Sequence;
        Count = entries.Count;
    }

    /// <param name="pooled">The shared pool's array <paramref name="payload"/> lies in (returned by <see cref="Release"/>), or null.</param>
    internal LogBatch(string producer, long firstSequence, int count, ReadOnlyMemory<byte> payload, byte[]? pooled = null)
    {
        Producer = producer;
        FirstSequence = firstSequence;
        Count = count;
        _payload = payload;
        _pooled = pooled;
    }

    public string Producer { get; }

    public long FirstSequence { get; }

    public int Count { get; }

    public long LastSequence => FirstSequence + Count - 1;

    /// <summary>The batch in the wire format (<see cref="LogBatchCodec"/>).</summary>
    /// <exception cref="ObjectDisposedException">The batch was released: its pooled payload may hold another batch by now.</exception>
    public ReadOnlyMemory<byte> Payload => _released
        ? throw new ObjectDisposedException(nameof(LogBatch), $"log batch {Producer} {FirstSequence}-{LastSequence} was released after it was written")
        : _payload ??= LogBatchCodec.Encode(Producer, _entries!);

    /// <summary>
    /// Gives a payload unpacked into the shared pool (<see cref="LogBatchCodec.DecodePooled"/>) back; the payload must
    /// not be read afterwards (its producer, sequences and count stay readable). Nothing to do for other batches.
    /// </summary>
    public void Release()
    {
        if (_pooled is { } pooled)
        {
            _pooled = null;
            _released = true;
            _payload = null;
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    public IReadOnlyList<LogEntry> Entries => _entries ??= ReadEntries(Payload.Span);

    private static List<LogEntry> ReadEntries(ReadOnlySpan<byte> payload)
    {
        var reader = new LogBatchReader(payload);
        var entries = new List<LogEntry>(reader.Count);
        while (reader.MoveNext())
        {
            entries.Add(new LogEntry
            {
                Sequence = reader.Sequence,
                Timestamp = LogBatchCodec.FromUnixMicros(reader.UnixMicros),
                Level = reader.Level,
                EventId = reader.EventId,
                Category = Encoding.UTF8.GetString(reader.Category),
                Message = Encoding.UTF8.GetString(reader.Message),
                Exception = reader.HasException ? Encoding.UTF8.GetString(reader.Exception) : null,
                TraceId = reader.TraceId.IsEmpty ? null : Convert.ToHexStringLower(reader.TraceId),
                SpanId = reader.SpanId.IsEmpty ? null : Convert.ToHexStringLower(reader.SpanId),
                ExtraJson = reader.Extra.IsEmpty ? null : Encoding.UTF8.GetString(reader.Extra),
            });
        }

        return entries;
    }
}
