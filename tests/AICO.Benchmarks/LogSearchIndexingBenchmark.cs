using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using AICO.Logging;
using AICO.LogStore;
using AICO.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// Does the grep index behind the writer slow the writer? The log consumer's write loop in one process, without the
/// bus: a producer task queues 512-record batches into the consumer's bounded queue (256), the loop writes what is
/// queued (up to 5,000 rows per transaction) with the consumer's batch writer and, in the "indexing" variant, spends
/// its idle moments on <see cref="LogSearchIdleIndexing"/> exactly as <see cref="LogConsumer"/> does. Flat out (rows/s,
/// alternating rounds, best of two) and paced (queue-to-commit latency p50/p99), each on a fresh encrypted database,
/// with the index lag (rows above the watermark) when the producer stops.
/// Usage: logging-search-indexer [rows flat out, default 300000] [paced rows/s, default 20000] [paced seconds, default 5]
/// </summary>
internal static class LogSearchIndexingBenchmark
{
    private const int BatchRows = 512;
    private const int MaxRowsPerTransaction = 5_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300_000;
        var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var grown = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1_000_000;
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-search-" + Guid.NewGuid().ToString("N"));
        try
        {
            var flat = Batches(rows);
            var paced = Batches(rate * seconds);
            await RunLoopAsync(Fresh(root, "warm"), Batches(20_000), indexing: true, rate: 0); // JIT and caches
            Console.WriteLine($"load {Load()}");
            var results = new Dictionary<string, Result>();
            for (var round = 0; round < 2; round++)
            {
                foreach (var indexing in new[] { false, true })
                {
                    var r = await RunLoopAsync(Fresh(root, $"flat-{round}-{indexing}"), flat, indexing, rate: 0);
                    var key = indexing ? "flat+index" : "flat";
                    if (!results.TryGetValue(key, out var best) || r.RowsPerSecond > best.RowsPerSecond)
                    {
                        results[key] = r;
                    }
                }
            }

            results["paced"] = await RunLoopAsync(Fresh(root, "paced"), paced, indexing: false, rate);
            results["paced+index"] = await RunLoopAsync(Fresh(root, "paced-index"), paced, indexing: true, rate);
            results["paced+small"] = await RunLoopAsync(Fresh(root, "paced-small"), paced, indexing: true, rate, SmallSteps);

            Console.WriteLine($"the consumer's write loop without the bus: {rows:N0} rows flat out (best of 2 alternating rounds), {rate:N0} rows/s paced for {seconds} s, steps of {LogSearchIndexer.DefaultRowsPerStep:N0} rows unless said; 512-row batches, <= 5,000 rows per transaction");
            Console.WriteLine("| write loop | rows/s | ratio | queue-to-commit p50 ms | p99 ms | indexed by the last commit | unindexed then | catch-up after s | writer indexing |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            Print("flat out, writer only", results["flat"], results["flat"]);
            Print("flat out, writer + grep indexing when idle", results["flat+index"], results["flat"]);
            Print($"paced {rate:N0} rows/s, writer only", results["paced"], results["paced"]);
            Print($"paced {rate:N0} rows/s, writer + grep indexing when idle", results["paced+index"], results["paced"]);
            Print($"paced {rate:N0} rows/s, writer + grep indexing when idle, steps of {SmallSteps}", results["paced+small"], results["paced"]);
            await GrownIndexAsync(root, grown);
            Console.WriteLine($"load {Load()}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>Rows/s to the last commit; Indexed/Unindexed at the last commit; CatchUp: idle indexing after it.</summary>
    private sealed record Result(double RowsPerSecond, double P50, double P99, long Indexed, long Unindexed, double CatchUpSeconds, double IndexingShare = 0);

    private static void Print(string name, Result r, Result baseline) =>
        Console.WriteLine($"| {name} | {r.RowsPerSecond:N0} | {r.RowsPerSecond / baseline.RowsPerSecond:F2} | {r.P50:F2} | {r.P99:F2} | {r.Indexed:N0} | {r.Unindexed:N0} | {r.CatchUpSeconds:F2} | {r.IndexingShare:P0} |");

    private static EncryptedDatabase Fresh(string root, string name)
    {
        var database = new EncryptedDatabase(new StorageOptions(Path.Combine(root, name, "logs.db"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(StorageOptions.KeyLength)));
        database.Migrate();
        return database;
    }

    private const int SmallSteps = 250;

    private static Task<Result> RunLoopAsync(EncryptedDatabase database, IReadOnlyList<LogBatch> batches, bool indexing, int rate, int stepRows = LogSearchIndexer.DefaultRowsPerStep) =>
        RunLoopAsync(database, batches, indexing ? new LogSearchIdleIndexing(new LogSearchIndexer(database, stepRows)) : null, rate);

    private static async Task<Result> RunLoopAsync(EncryptedDatabase database, IReadOnlyList<LogBatch> batches, LogSearchIdleIndexing? idle, int rate)
    {
        var indexing = idle is not null;
        var batchRows = batches.Count == 0 ? BatchRows : batches[0].Count;
        var queue = Channel.CreateBounded<(LogBatch Batch, long Queued)>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var writer = new LogBatchWriter(database);
        var latencies = new List<double>(batches.Count);
        TimeSpan lastCommit = default;
        long indexedAtLastCommit = 0;
        long indexingTicks = 0;
        long indexingAtLastCommit = 0;
        var watch = Stopwatch.StartNew();
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < batches.Count; i++)
            {
                if (rate > 0)
                {
                    var due = TimeSpan.FromSeconds((double)i * batchRows / rate);
                    if (due > watch.Elapsed)
                    {
                        await Task.Delay(due - watch.Elapsed);
                    }
                }

                await queue.Writer.WriteAsync((batches[i], Stopwatch.GetTimestamp()));
            }

            queue.Writer.Complete();
        });
        var consumer = Task.Run(async () =>
        {
            var reader = queue.Reader;
            var pending = new List<(LogBatch Batch, long Queued)>();
            while (true)
            {
                // As the consumer's writer: index once the queue has stayed empty for the rows' due time.
                using var due = idle?.DueIn is { } dueIn ? new CancellationTokenSource(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.FromTicks(1)) : new CancellationTokenSource();
                bool open;
                try
                {
                    open = await reader.WaitToReadAsync(due.Token);
                }
                catch (OperationCanceledException)
                {
                    var idleFrom = Stopwatch.GetTimestamp();
                    idle!.WhileIdle(() => reader.TryPeek(out _), CancellationToken.None);
                    indexingTicks += Stopwatch.GetTimestamp() - idleFrom;
                    continue;
                }

                if (!open)
                {
                    break;
                }

                pending.Clear();
                var count = 0;
                while (count < MaxRowsPerTransaction && reader.TryRead(out var item))
                {
                    pending.Add(item);
                    count += item.Batch.Count;
                }

                writer.Write(pending.ConvertAll(p => p.Batch));
                var now = Stopwatch.GetTimestamp();
                latencies.AddRange(pending.Select(p => Stopwatch.GetElapsedTime(p.Queued, now).TotalMilliseconds));
                lastCommit = watch.Elapsed;
                indexedAtLastCommit = idle?.Indexer.IndexedRows ?? 0;
                indexingAtLastCommit = indexingTicks;
                idle?.RowsWritten(count);
            }
        });
        await Task.WhenAll(producer, consumer);
        while (idle is { CaughtUp: false })
        {
            if (idle.DueIn is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            idle.WhileIdle(() => false, CancellationToken.None);
        }

        var caughtUp = watch.Elapsed - lastCommit;
        latencies.Sort();
        var total = batches.Sum(b => (long)b.Count);
        return new Result(total / lastCommit.TotalSeconds, latencies[latencies.Count / 2],
            latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))], indexedAtLastCommit, indexing ? total - indexedAtLastCommit : total,
            indexing ? caughtUp.TotalSeconds : 0, Stopwatch.GetElapsedTime(0, indexingAtLastCommit) / lastCommit);
    }

    /// <summary>
    /// What the pipeline's paced run meets after a while: a grown, fully indexed database, and a producer pace of 2,000
    /// records/s in 4-record batches, so a commit every 2 ms. Indexing as before (a step after every commit, 32 pages of
    /// merge work each) and as now (steps once 500 rows wait and the queue has been empty 50 ms, or rows 1 s old; merge
    /// work following the rows), each on a copy of the same grown file.
    /// </summary>
    private static async Task GrownIndexAsync(string root, int rows)
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(StorageOptions.KeyLength);
        var grown = new EncryptedDatabase(new StorageOptions(Path.Combine(root, "grown", "logs.db"), key));
        grown.Migrate();
        var writer = new LogBatchWriter(grown);
        var all = Batches(rows);
        for (var i = 0; i < all.Count; i += 10)
        {
            writer.Write(all.GetRange(i, Math.Min(10, all.Count - i)));
        }

        var indexer = new LogSearchIndexer(grown);
        while (indexer.Step() > 0)
        {
        }

        grown.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            return command.ExecuteNonQuery();
        });
        SqliteConnection.ClearAllPools();
        var paced = Batches(2_000 * 5, batchRows: 4);
        Console.WriteLine($"paced 2,000 rows/s in 4-row batches for 5 s on a grown database of {rows:N0} indexed rows (each variant on a copy of the same file); load {Load()}");
        Console.WriteLine("| write loop | rows/s | ratio | queue-to-commit p50 ms | p99 ms | indexed by the last commit | unindexed then | catch-up after s | writer indexing |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Result? baseline = null;
        foreach (var (name, before) in new[] { ("writer only", (bool?)null), ("indexing as before: a step per commit, 32 merge pages each", true), ("indexing now: 500 rows and the queue empty 50 ms, or 1 s, merge following the rows", false) })
        {
            var directory = Path.Combine(root, "grown-" + (before is null ? "none" : before.Value ? "before" : "now"));
            Directory.CreateDirectory(directory);
            File.Copy(grown.Options.DatabasePath, Path.Combine(directory, "logs.db"));
            var copy = new EncryptedDatabase(new StorageOptions(Path.Combine(directory, "logs.db"), key));
            var idle = before switch
            {
                null => null,
                true => new LogSearchIdleIndexing(new LogSearchIndexer(copy, mergeFollowsRows: false), rowsWorthAStep: 0, idleGrace: TimeSpan.Zero),
                false => new LogSearchIdleIndexing(new LogSearchIndexer(copy)),
            };
            var result = await RunLoopAsync(copy, paced, idle, 2_000);
            baseline ??= result;
            Print(name, result, baseline);
            SqliteConnection.ClearAllPools();
        }
    }

    private static List<LogBatch> Batches(int rows, int batchRows = BatchRows)
    {
        var random = new Random(11);
        var producers = Enumerable.Range(0, 4).Select(i => $"gateway/{Guid.NewGuid().ToString("N")[..12]}").ToArray();
        var sequences = new long[producers.Length];
        var start = DateTimeOffset.UtcNow;
        var batches = new List<LogBatch>();
        for (var b = 0; b < rows / batchRows; b++)
        {
            var p = b % producers.Length;
            var entries = new List<LogEntry>(batchRows);
            for (var i = 0; i < batchRows; i++)
            {
                var n = random.Next(100_000);
                entries.Add(new LogEntry
                {
                    Sequence = ++sequences[p],
                    Timestamp = start.AddTicks(b * batchRows + i),
                    Level = LogLevel.Information,
                    Category = "AICO.Gateway.ChatEndpoints",
                    Message = $"chat request {n} answered in {n % 900} ms",
                    ExtraJson = $"{{\"Number\":\"{n}\"}}",
                });
            }

            batches.Add(new LogBatch(producers[p], entries));
        }

        return batches;
    }

    private static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
