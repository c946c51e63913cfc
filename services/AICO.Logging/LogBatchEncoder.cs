using System.Text;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// Writes one batch in the log wire format (see <see cref="LogBatchCodec"/>). Reused by the worker batch after batch,
/// so encoding allocates only the finished payload (compressing reuses its buffer too).
/// </summary>
internal sealed class LogBatchEncoder
{
    private readonly WireWriter _writer = new(64 * 1024);
    private readonly Dictionary<string, int> _categories = new(StringComparer.Ordinal);
    private byte[] _packed = [];
    private long _previousMicros;
    private int _remaining;

    public void Begin(string producer, long firstSequence, int count)
    {
        if (count is <= 0 or > LogBatchCodec.MaxEntriesPerBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A batch holds 1 to {LogBatchCodec.MaxEntriesPerBatch} records.");
        }

        _writer.Clear();
        _categories.Clear();
        _previousMicros = 0;
        _remaining = count;
        _writer.WriteByte(LogBatchCodec.Version);
        _writer.WriteString(producer);
        _writer.WriteVarLong(firstSequence);
        _writer.WriteVarLong(count);
    }

    /// <param name="traceId">16 bytes, or empty when the record has no trace.</param>
    /// <param name="spanId">8 bytes, or empty.</param>
    /// <param name="extraJson">A JSON object as UTF-8, or empty when there is none.</param>
    public void Add(long unixMicros, LogLevel level, int eventId, string category, string message, string? exception,
        ReadOnlySpan<byte> traceId, ReadOnlySpan<byte> spanId, ReadOnlySpan<byte> extraJson)
    {
        if (--_remaining < 0)
        {
            throw new InvalidOperationException("more records than the batch header announced");
        }

        _writer.WriteVarLong(unixMicros - _previousMicros);
        _previousMicros = unixMicros;
        _writer.WriteByte((byte)level);
        _writer.WriteVarLong(eventId);
        if (_categories.TryGetValue(category, out var index))
        {
            _writer.WriteVarUInt((uint)index + 1);
        }
        else
        {
            _categories[category] = _categories.Count;
            _writer.WriteVarUInt(0);
            _writer.WriteString(category);
        }

        _writer.WriteString(message);
        var flags = (exception is null ? 0 : LogBatchCodec.HasException)
            | (traceId.IsEmpty ? 0 : LogBatchCodec.HasTrace)
            | (spanId.IsEmpty ? 0 : LogBatchCodec.HasSpan)
            | (extraJson.IsEmpty ? 0 : LogBatchCodec.HasExtra);
        _writer.WriteByte((byte)flags);
        if (exception is not null)
        {
            _writer.WriteString(exception);
        }

        if (!traceId.IsEmpty)
        {
            _writer.WriteBytes(traceId.Length == 16 ? traceId : throw new ArgumentException("A trace id is 16 bytes.", nameof(traceId)));
        }

        if (!spanId.IsEmpty)
        {
            _writer.WriteBytes(spanId.Length == 8 ? spanId : throw new ArgumentException("A span id is 8 bytes.", nameof(spanId)));
        }

        if (!extraJson.IsEmpty)
        {
            _writer.WriteUtf8(extraJson);
        }
    }

    public byte[] Finish()
    {
        CheckComplete();
        return _writer.ToArray();
    }

    /// <summary>The batch as it goes on the bus: compressed (<see cref="CompressedLogBatch"/>) when that is smaller.</summary>
    public byte[] FinishForWire()
    {
        CheckComplete();
        var packed = CompressedLogBatch.TryPack(_writer.WrittenSpan, ref _packed);
        return packed.IsEmpty ? _writer.ToArray() : packed.ToArray();
    }

    private void CheckComplete()
    {
        if (_remaining != 0)
        {
            throw new InvalidOperationException($"{_remaining} records announced in the batch header were not written");
        }
    }

    /// <summary>A record of an already decoded or hand-made batch (tests, benchmarks, the dropped-records note).</summary>
    public void Add(LogEntry entry)
    {
        Span<byte> trace = stackalloc byte[16];
        Span<byte> span = stackalloc byte[8];
        var extra = entry.ExtraJson is null ? [] : Encoding.UTF8.GetBytes(entry.ExtraJson);
        Add(LogBatchCodec.ToUnixMicros(entry.Timestamp), entry.Level, entry.EventId, entry.Category, entry.Message, entry.Exception,
            Hex(entry.TraceId, trace), Hex(entry.SpanId, span), extra);
    }

    private static ReadOnlySpan<byte> Hex(string? hex, Span<byte> into)
    {
        if (hex is null)
        {
            return [];
        }

        if (hex.Length != into.Length * 2 || Convert.FromHexString(hex, into, out _, out var written) != System.Buffers.OperationStatus.Done || written != into.Length)
        {
            throw new ArgumentException($"'{hex}' is not {into.Length * 2} hex digits.", nameof(hex));
        }

        return into;
    }
}
