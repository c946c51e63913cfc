using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// The compact binary form of a <see cref="LogBatch"/>: version byte, producer, count, then per record the sequence
/// (first absolute, then deltas), timestamp (unix microseconds, delta to the previous), level, event id and strings.
/// Hand-written rather than protobuf: one flat record type, no schema evolution beyond the version byte, and no
/// per-record allocations besides the strings.
/// </summary>
public static class LogBatchCodec
{
    public const byte Version = 1;

    /// <summary>More records than this in one message is a malformed (or hostile) payload.</summary>
    public const int MaxEntriesPerBatch = 100_000;

    public static byte[] Encode(string producer, IReadOnlyList<LogEntry> entries)
    {
        var writer = new WireWriter(64 + entries.Count * 96);
        writer.WriteByte(Version);
        writer.WriteString(producer);
        writer.WriteVarLong(entries.Count);
        long previousSequence = 0;
        long previousMicros = 0;
        foreach (var entry in entries)
        {
            var micros = ToUnixMicros(entry.Timestamp);
            writer.WriteVarLong(entry.Sequence - previousSequence);
            writer.WriteVarLong(micros - previousMicros);
            writer.WriteByte((byte)entry.Level);
            writer.WriteVarLong(entry.EventId);
            writer.WriteString(entry.Category);
            writer.WriteString(entry.Message);
            writer.WriteNullableString(entry.Exception);
            writer.WriteNullableString(entry.TraceId);
            writer.WriteNullableString(entry.SpanId);
            writer.WriteNullableString(entry.ExtraJson);
            previousSequence = entry.Sequence;
            previousMicros = micros;
        }

        return writer.ToArray();
    }

    /// <exception cref="FormatException">The payload is not a well-formed log batch.</exception>
    public static LogBatch Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new FormatException($"unsupported log batch version {version}");
        }

        var producer = reader.ReadString();
        if (producer.Length == 0)
        {
            throw new FormatException("log batch names no producer");
        }

        var count = reader.ReadVarLong();
        if (count is <= 0 or > MaxEntriesPerBatch)
        {
            throw new FormatException($"log batch has an invalid record count {count}");
        }

        var entries = new List<LogEntry>((int)count);
        long sequence = 0;
        long micros = 0;
        for (var i = 0; i < count; i++)
        {
            var deltaSequence = reader.ReadVarLong();
            if (deltaSequence <= 0)
            {
                throw new FormatException("log batch sequence numbers are not increasing");
            }

            sequence += deltaSequence;
            micros += reader.ReadVarLong();
            var level = reader.ReadByte();
            if (level > (byte)LogLevel.None)
            {
                throw new FormatException($"log batch has an invalid level {level}");
            }

            var eventId = reader.ReadVarLong();
            entries.Add(new LogEntry
            {
                Sequence = sequence,
                Timestamp = FromUnixMicros(micros),
                Level = (LogLevel)level,
                EventId = (int)Math.Clamp(eventId, int.MinValue, int.MaxValue),
                Category = reader.ReadString(),
                Message = reader.ReadString(),
                Exception = reader.ReadNullableString(),
                TraceId = reader.ReadNullableString(),
                SpanId = reader.ReadNullableString(),
                ExtraJson = reader.ReadNullableString(),
            });
        }

        reader.EnsureEnd();
        return new LogBatch(producer, entries);
    }

    private static readonly long MaxMicros =
        (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static long ToUnixMicros(DateTimeOffset timestamp) =>
        (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static DateTimeOffset FromUnixMicros(long micros)
    {
        if (micros < 0 || micros > MaxMicros)
        {
            throw new FormatException("log batch has a timestamp out of range");
        }

        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + micros * TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }
}
