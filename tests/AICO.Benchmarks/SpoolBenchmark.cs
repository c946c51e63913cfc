using System.Diagnostics;
using System.Security.Cryptography;
using AICO.Logging;
using AICO.Logging.Spool;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// What a producer pays when records wait on disk instead of in memory. One run, same records (512 per batch):
/// the in-memory path (buffer, take, number and encode a batch), the same plus an append to the encrypted spool,
/// and the drain (read, decrypt, delete acknowledged segments); beside them the raw disk baseline: the same bytes
/// appended to and read from a plain file, no encryption, one flush per batch as the spool does. Best of three rounds.
/// </summary>
internal static class SpoolBenchmark
{
    private const int BatchSize = 512;

    public static Task<int> RunAsync(string[] args)
    {
        var records = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 500_000;
        var directory = Path.Combine(Path.GetTempPath(), "aico-spool-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            Run(BatchSize * 20, directory); // warm-up: JIT, file system
            // Best of three rounds per row: the shared machine's load makes single rounds noisy.
            var rounds = Enumerable.Range(0, 3).Select(_ => Run(records, directory)).ToList();
            var results = (Bytes: rounds[0].Bytes, Rows: rounds[0].Rows.Select((row, i) => (Name: row.Name, Seconds: rounds.Min(r => r.Rows[i].Seconds))).ToList());
            var bytes = results.Bytes;
            Console.WriteLine($"spool: {records:N0} records in batches of {BatchSize}, {bytes / 1024.0 / 1024.0:F1} MiB of encoded batches; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine("| path | records/s | MiB/s | ratio to in-memory |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var (name, seconds) in results.Rows)
            {
                Console.WriteLine($"| {name} | {records / seconds:N0} | {bytes / 1024.0 / 1024.0 / seconds:F1} | {results.Rows[0].Seconds / seconds:F2}x |");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return Task.FromResult(0);
    }

    private static (long Bytes, List<(string Name, double Seconds)> Rows) Run(int count, string directory)
    {
        var rows = new List<(string, double)>();
        var payloads = new List<PendingBatch>();
        rows.Add(("in memory: buffer, take, number, encode", Time(() => payloads = Seal(count))));
        var bytes = payloads.Sum(p => (long)p.Payload.Length);

        var key = RandomNumberGenerator.GetBytes(32);
        var spoolDirectory = Path.Combine(directory, "spool-" + count);
        using (var spool = new LogSpool(spoolDirectory, key, 4L * 1024 * 1024 * 1024, 8L * 1024 * 1024))
        {
            rows.Add(("in memory + spool append (AES-GCM, flush per batch)", Time(() =>
            {
                foreach (var batch in Seal(count))
                {
                    spool.TryAppend(batch, batch.Oldest);
                }
            })));
            rows.Add(("spool drain: read, decrypt, delete acknowledged", Time(() =>
            {
                long last = 0;
                while (spool.TryReadNext() is { } batch)
                {
                    last = batch.LastSequence;
                }

                spool.Release(last);
            })));
        }

        var raw = Path.Combine(directory, "raw-" + count);
        rows.Add(("raw baseline: plain file append, flush per batch", Time(() =>
        {
            using var file = new FileStream(raw, FileMode.Create, FileAccess.Write);
            foreach (var batch in payloads)
            {
                file.Write(batch.Payload);
                file.Flush();
            }
        })));
        rows.Add(("raw baseline: plain file read", Time(() =>
        {
            using var file = new FileStream(raw, FileMode.Open, FileAccess.Read);
            foreach (var batch in payloads)
            {
                var buffer = new byte[batch.Payload.Length];
                file.ReadExactly(buffer);
            }
        })));
        File.Delete(raw);
        return (bytes, rows);
    }

    /// <summary>The producer's in-memory path: records through the buffer, taken in batches, numbered and encoded.</summary>
    private static List<PendingBatch> Seal(int count)
    {
        var buffer = new LogBuffer(count + 1, new WorkSignal());
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            buffer.Add(new CapturedLogCall
            {
                TimestampTicks = now.UtcTicks,
                Level = LogLevel.Information,
                Category = "AICO.Benchmarks.Spool",
                Message = $"request {i} answered in 12 ms for session 3f2a",
                TraceId = System.Diagnostics.ActivityTraceId.CreateRandom(),
                SpanId = System.Diagnostics.ActivitySpanId.CreateRandom(),
                HasTrace = true,
            });
        }

        var batches = new List<PendingBatch>(count / BatchSize + 1);
        var taken = new CapturedLogCall[BatchSize];
        var encoder = new LogBatchEncoder();
        Span<byte> trace = stackalloc byte[16];
        Span<byte> span = stackalloc byte[8];
        long sequence = 1;
        int n;
        while ((n = buffer.TakeOldest(taken)) > 0)
        {
            encoder.Begin("gateway/benchmark", sequence, n);
            for (var i = 0; i < n; i++)
            {
                taken[i].TraceId.CopyTo(trace);
                taken[i].SpanId.CopyTo(span);
                encoder.Add(LogBatchCodec.ToUnixMicros(taken[i].TimestampTicks), taken[i].Level, taken[i].EventId, taken[i].Category,
                    taken[i].Message!, null, trace, span, []);
            }

            batches.Add(new PendingBatch(sequence, sequence + n - 1, n, encoder.Finish()) { Oldest = now });
            sequence += n;
        }

        return batches;
    }

    private static double Time(Action action)
    {
        GC.Collect();
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }
}
