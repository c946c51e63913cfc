using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// Walks the records of a log batch in place: every field is a span over the payload, nothing is copied or
/// allocated per record. Every length, count, level, flag and string is checked; a malformed payload is a
/// FormatException, never a crash or an unbounded allocation.
/// </summary>
public ref struct LogBatchReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private WireReader _reader;
    private (int Start, int Length)[]? _categories;
    private int _categoryCount;
    private int _read;

    public LogBatchReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _reader = new WireReader(payload);
        var version = _reader.ReadByte();
        if (version != LogBatchCodec.Version)
        {
            throw new FormatException($"unsupported log batch version {version}");
        }

        Producer = _reader.ReadUtf8();
        if (Producer.IsEmpty)
        {
            throw new FormatException("log batch names no producer");
        }

        FirstSequence = _reader.ReadVarLong();
        var count = _reader.ReadVarLong();
        if (FirstSequence <= 0 || FirstSequence > long.MaxValue - LogBatchCodec.MaxEntriesPerBatch)
        {
            throw new FormatException($"log batch has an invalid first sequence {FirstSequence}");
        }

        if (count is <= 0 or > LogBatchCodec.MaxEntriesPerBatch)
        {
            throw new FormatException($"log batch has an invalid record count {count}");
        }

        Count = (int)count;
    }

    public ReadOnlySpan<byte> Producer { get; }
    public long FirstSequence { get; }
    public int Count { get; }

    public long Sequence { get; private set; }
    public long UnixMicros { get; private set; }
    public LogLevel Level { get; private set; }
    public int EventId { get; private set; }
    public ReadOnlySpan<byte> Category { get; private set; }
    public ReadOnlySpan<byte> Message { get; private set; }
    public bool HasException { get; private set; }
    public ReadOnlySpan<byte> Exception { get; private set; }

    /// <summary>16 bytes, or empty.</summary>
    public ReadOnlySpan<byte> TraceId { get; private set; }

    /// <summary>8 bytes, or empty.</summary>
    public ReadOnlySpan<byte> SpanId { get; private set; }

    /// <summary>A JSON object as UTF-8 (as the producer sent it; the consumer validates it), or empty.</summary>
    public ReadOnlySpan<byte> Extra { get; private set; }

    /// <summary>Reads the next record; false after the last one (and then the payload must have ended).</summary>
    public bool MoveNext()
    {
        if (_read == Count)
        {
            _reader.EnsureEnd();
            return false;
        }

        Sequence = FirstSequence + _read;
        _read++;
        UnixMicros += _reader.ReadVarLong();
        if (UnixMicros < 0 || UnixMicros > LogBatchCodec.MaxMicros)
        {
            throw new FormatException("log batch has a timestamp out of range");
        }

        var level = _reader.ReadByte();
        if (level > (byte)LogLevel.Critical)
        {
            throw new FormatException($"log batch has an invalid level {level}");
        }

        Level = (LogLevel)level;
        EventId = (int)Math.Clamp(_reader.ReadVarLong(), int.MinValue, int.MaxValue);
        Category = ReadCategory();
        Message = _reader.ReadUtf8();
        var flags = _reader.ReadByte();
        if ((flags & ~LogBatchCodec.AllFlags) != 0)
        {
            throw new FormatException($"log batch record has unknown flags {flags}");
        }

        HasException = (flags & LogBatchCodec.HasException) != 0;
        Exception = HasException ? _reader.ReadUtf8() : [];
        TraceId = (flags & LogBatchCodec.HasTrace) != 0 ? _reader.ReadBytes(16) : [];
        SpanId = (flags & LogBatchCodec.HasSpan) != 0 ? _reader.ReadBytes(8) : [];
        Extra = (flags & LogBatchCodec.HasExtra) != 0 ? _reader.ReadUtf8() : [];
        return true;
    }

    private ReadOnlySpan<byte> ReadCategory()
    {
        var reference = _reader.ReadVarUInt();
        if (reference > 0)
        {
            if (reference > _categoryCount)
            {
                throw new FormatException($"log batch record refers to category {reference} of {_categoryCount}");
            }

            var (start, length) = _categories![reference - 1];
            return _payload.Slice(start, length);
        }

        var category = _reader.ReadUtf8();
        if (category.IsEmpty)
        {
            throw new FormatException("log batch record has an empty category");
        }

        _categories ??= new (int, int)[Math.Min(Count, 64)];
        if (_categoryCount == _categories.Length)
        {
            Array.Resize(ref _categories, _categories.Length * 2);
        }

        _categories[_categoryCount++] = (_reader.Position - category.Length, category.Length);
        return category;
    }
}
