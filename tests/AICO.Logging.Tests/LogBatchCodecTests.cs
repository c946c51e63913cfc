using AICO.Logging;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

public class LogBatchCodecTests
{
    private static readonly LogEntry[] Entries =
    [
        new() { Sequence = 7, Timestamp = new DateTimeOffset(2026, 11, 25, 18, 0, 0, 123, TimeSpan.Zero).AddTicks(4560), Level = LogLevel.Error,
            Category = "AICO.Gateway.ChatEndpoints", EventId = 42, Message = "chat failed: caf\u00e9 \u2603", Exception = "System.Exception: boom",
            TraceId = "0af7651916cd43dd8448eb211c80319c", SpanId = "b7ad6b7169203331" },
        new() { Sequence = 8, Timestamp = new DateTimeOffset(2026, 11, 25, 18, 0, 1, TimeSpan.Zero), Level = LogLevel.Information,
            Category = "Program", Message = "", },
    ];

    [Fact]
    public void A_batch_round_trips_every_field()
    {
        Entries[0].ExtraJson = "{\"user\":\"u1\"}";
        var decoded = LogBatchCodec.Decode(LogBatchCodec.Encode("gateway/abc", Entries));

        Assert.Equal("gateway/abc", decoded.Producer);
        Assert.Equal(2, decoded.Entries.Count);
        for (var i = 0; i < Entries.Length; i++)
        {
            var (a, b) = (Entries[i], decoded.Entries[i]);
            Assert.Equal(a.Sequence, b.Sequence);
            Assert.Equal(a.Timestamp, b.Timestamp);
            Assert.Equal(a.Level, b.Level);
            Assert.Equal(a.Category, b.Category);
            Assert.Equal(a.EventId, b.EventId);
            Assert.Equal(a.Message, b.Message);
            Assert.Equal(a.Exception, b.Exception);
            Assert.Equal(a.TraceId, b.TraceId);
            Assert.Equal(a.SpanId, b.SpanId);
            Assert.Equal(a.ExtraJson, b.ExtraJson);
        }

        Assert.Equal(7, decoded.FirstSequence);
        Assert.Equal(8, decoded.LastSequence);
    }

    [Fact]
    public void Every_truncation_of_a_batch_is_a_format_error_not_a_crash()
    {
        var payload = LogBatchCodec.Encode("gateway/abc", Entries);
        for (var length = 0; length < payload.Length; length++)
        {
            Assert.Throws<FormatException>(() => LogBatchCodec.Decode(payload.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Garbage_and_hostile_headers_are_format_errors()
    {
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([9, 1, 65, 2]));
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([LogBatchCodec.Version, 0, 2]));
        // A count of a billion records in a few bytes must not allocate a billion slots.
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([LogBatchCodec.Version, 1, 65, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));
        var payload = LogBatchCodec.Encode("p", Entries);
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([.. payload, 0]));
        var random = new Random(4);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            bytes[0] = LogBatchCodec.Version;
            try
            {
                LogBatchCodec.Decode(bytes);
            }
            catch (FormatException)
            {
            }
        }
    }

    [Fact]
    public void Sequences_of_a_batch_are_contiguous_and_the_encoder_refuses_anything_else()
    {
        Assert.Throws<ArgumentException>(() => LogBatchCodec.Encode("p", [Entry(5), Entry(5)]));
        Assert.Throws<ArgumentException>(() => LogBatchCodec.Encode("p", [Entry(5), Entry(7)]));
        Assert.Equal([5L, 6L], LogBatchCodec.Decode(LogBatchCodec.Encode("p", [Entry(5), Entry(6)])).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public void A_category_reference_beyond_the_categories_seen_is_a_format_error()
    {
        var payload = LogBatchCodec.Encode("p", [Entry(1), Entry(2)]);
        // The second record refers to category 1 (the first one's); make it refer to category 2, which does not exist.
        var second = Array.LastIndexOf(payload, (byte)1, payload.Length - 4);
        var hostile = payload.ToArray();
        hostile[second] = 2;
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode(hostile));
    }

    [Fact]
    public void An_acknowledgement_round_trips_and_rejects_garbage()
    {
        var ack = LogAck.Decode(new LogAck("modelservice/1234", 987654321).Encode());
        Assert.Equal(new LogAck("modelservice/1234", 987654321), ack);
        Assert.Throws<FormatException>(() => LogAck.Decode([]));
        Assert.Throws<FormatException>(() => LogAck.Decode([2, 0, 0]));
    }

    private static LogEntry Entry(long sequence) => new() { Sequence = sequence, Category = "c", Message = "m", Timestamp = DateTimeOffset.UnixEpoch };
}
