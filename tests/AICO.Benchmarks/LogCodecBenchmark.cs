using System.Diagnostics;
using System.Text;
using AICO.Benchmarks.Proto;
using AICO.Logging;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// Which wire format for log batches: the hand-written codec (LogBatchCodec: encoder reused, reader walks the payload
/// in place) against protobuf with the bus's Google.Protobuf (generated message classes, one object and its strings
/// per record on both sides). Same 512-record batches, same fields; encode = records to bytes, decode = bytes to
/// every field the consumer binds (UTF-8 spans for the hand-written reader, strings for protobuf). Also the hand-written
/// batch in its compressed bus form (LZ4), as producers send it.
/// Usage: logging-codec [batches]
/// </summary>
internal static class LogCodecBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var batches = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 400;
        var now = DateTimeOffset.UtcNow;
        var entries = Enumerable.Range(1, 512).Select(i => new LogEntry
        {
            Sequence = i,
            Timestamp = now.AddTicks(i * 37),
            Level = LogLevel.Information,
            Category = i % 3 == 0 ? "AICO.Gateway.ChatEndpoints" : "AICO.Models.ChatService",
            Message = $"record {i} of producer-1",
            TraceId = i % 2 == 0 ? "0af7651916cd43dd8448eb211c80319c" : null,
            SpanId = i % 2 == 0 ? "b7ad6b7169203331" : null,
            ExtraJson = $"{{\"Number\":\"{i}\",\"Producer\":\"producer-1\"}}",
        }).ToList();

        var handPayload = LogBatchCodec.Encode("gateway/0123456789ab", entries);
        var protoPayload = ToProto(entries).ToByteArray();
        var scratch = Array.Empty<byte>();
        var packedPayload = CompressedLogBatch.TryPack(handPayload, ref scratch).ToArray();
        for (var round = 0; round < 2; round++)
        {
            var handEncode = Rate(batches, () => LogBatchCodec.Encode("gateway/0123456789ab", entries).Length);
            var protoEncode = Rate(batches, () => ToProto(entries).ToByteArray().Length);
            var handDecode = Rate(batches, () => WalkHand(handPayload));
            var protoDecode = Rate(batches, () => WalkProto(protoPayload));
            var packedEncode = Rate(batches, () => CompressedLogBatch.TryPack(LogBatchCodec.Encode("gateway/0123456789ab", entries), ref scratch).Length);
            var packedDecode = Rate(batches, () => WalkHand(LogBatchCodec.Decode(packedPayload).Payload.Span));
            if (round == 1)
            {
                Console.WriteLine($"log batch codecs, 512 records per batch, {batches} batches per figure, load {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}:");
                Console.WriteLine("| codec | bytes per batch | encode records/s | decode records/s |");
                Console.WriteLine("| --- | ---: | ---: | ---: |");
                Console.WriteLine($"| hand-written (LogBatchCodec) | {handPayload.Length:N0} | {handEncode:N0} | {handDecode:N0} |");
                Console.WriteLine($"| protobuf (Google.Protobuf 3.36, generated classes) | {protoPayload.Length:N0} | {protoEncode:N0} | {protoDecode:N0} |");
                Console.WriteLine($"| hand-written, LZ4-compressed for the bus (CompressedLogBatch; decode = unpack + check + walk) | {packedPayload.Length:N0} | {packedEncode:N0} | {packedDecode:N0} |");
                Console.WriteLine($"| ratio hand-written / protobuf | {(double)handPayload.Length / protoPayload.Length:F2} | {handEncode / protoEncode:F2} | {handDecode / protoDecode:F2} |");
            }
        }

        return Task.FromResult(0);
    }

    private static double Rate(int batches, Func<int> work)
    {
        var sink = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches; i++)
        {
            sink += work();
        }

        GC.KeepAlive(sink);
        return batches * 512 / watch.Elapsed.TotalSeconds;
    }

    private static LogBatchProto ToProto(List<LogEntry> entries)
    {
        var batch = new LogBatchProto { Producer = "gateway/0123456789ab", FirstSequence = entries[0].Sequence };
        long previous = 0;
        foreach (var e in entries)
        {
            var micros = (e.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            var record = new LogRecordProto
            {
                TimestampDeltaMicros = micros - previous,
                Level = (uint)e.Level,
                EventId = e.EventId,
                Category = e.Category,
                Message = e.Message,
                Exception = e.Exception ?? "",
                ExtraJson = e.ExtraJson ?? "",
            };
            if (e.TraceId is not null)
            {
                record.TraceId = ByteString.CopyFrom(Convert.FromHexString(e.TraceId));
                record.SpanId = ByteString.CopyFrom(Convert.FromHexString(e.SpanId!));
            }

            previous = micros;
            batch.Records.Add(record);
        }

        return batch;
    }

    private static int WalkHand(ReadOnlySpan<byte> payload)
    {
        var reader = new LogBatchReader(payload);
        var sum = 0;
        while (reader.MoveNext())
        {
            sum += reader.Category.Length + reader.Message.Length + reader.Extra.Length + reader.TraceId.Length + (int)reader.Level;
        }

        return sum;
    }

    private static int WalkProto(byte[] payload)
    {
        var batch = LogBatchProto.Parser.ParseFrom(payload);
        var sum = 0;
        foreach (var r in batch.Records)
        {
            sum += r.Category.Length + r.Message.Length + r.ExtraJson.Length + r.TraceId.Length + (int)r.Level;
        }

        return sum + Encoding.UTF8.GetByteCount(batch.Producer);
    }
}
