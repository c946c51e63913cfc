using System.Diagnostics;
using System.Globalization;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The log pipeline end to end beside its ceiling, in one run on one encrypted database file each:
/// (1) raw: the same log rows written straight into the encrypted database by the consumer's batch writer
///     (same SQL, same transaction size), no bus;
/// (2) pipeline: N producer threads, each with its own bus client and bus logger (ILogger.LogInformation) ->
///     broker (CURVE + sealed sessions) -> log consumer -> encrypted database; as deployed (the AICO.Broker and
///     AICO.LogConsumer hosts as their own processes, producers in this one) and, beside it, all in this process.
/// All (and the plain and FULL baselines) in nine alternating rounds, each reported as the median and range of its
/// rounds; the ratio is of the medians. Also latency from the ILogger call to the committed row (p50/p99), records lost
/// and duplicated, and per pipeline round where the time went (writer thread, GC, CPU by thread and process).
/// The whole run is in a process with Server GC (<see cref="ServerGcProcess"/>), as the hosts it stands for.
/// Usage: logging-pipeline [producers] [records per producer] [pipeline | pipeline-allocations | neighbours | writer-records] [deployed | in-process]
/// </summary>
internal static class LoggingPipelineBenchmark
{
    private const int RowsPerTransaction = 5_000;
    private const int PacedRate = 2_000;
    private const int Rounds = 9;
    private static readonly TimeSpan PacedDuration = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        // The producers stand for the hosts that log, all Server GC: with this console's workstation GC their GC pauses
        // stopped the in-process pipeline's writer for 15-24 ms a round (docs/decisions.md, issue 9).
        if (ServerGcProcess.Needed)
        {
            return await ServerGcProcess.RunAsync("logging-pipeline", args);
        }

        var producers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
        var perProducer = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var modes = args.Skip(2).ToHashSet();
        var total = producers * perProducer;
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-logging-" + Guid.NewGuid().ToString("N"));
        try
        {
            var derivation = KeyStore(Path.Combine(root, "data")).LoadDerivation();
            Console.WriteLine($"load before: {Load()}");
            if (modes.Contains("neighbours"))
            {
                return WriterNeighbourExperiment.Run(root, derivation, producers, perProducer);
            }

            // The pipeline as deployed (broker and consumer in their own processes, producers here) and the same in one
            // process, each with its own installation and database; "deployed" or "in-process" runs only that one
            // (writer-records: in one process unless told).
            var formNamed = modes.Contains("deployed") || modes.Contains("in-process");
            var forms = new[] { (Name: "deployed", Deployed: true), (Name: "in-process", Deployed: false) }
                .Where(f => formNamed ? modes.Contains(f.Name) : !modes.Contains("writer-records") || !f.Deployed).ToList();
            var pipelines = new List<LogPipelineUnderTest>();
            await using var stopAll = new AsyncDisposables(pipelines);
            foreach (var form in forms)
            {
                var data = Path.Combine(root, form.Name);
                KeyStore(data);
                var pipeline = await LogPipelineUnderTest.StartAsync(new AicoPaths(data, Path.Combine(data, "run")), producers, perProducer, RowsPerTransaction, form.Deployed);
                pipelines.Add(pipeline);
                Console.WriteLine($"pipeline {pipeline.Label}: warm-up {await pipeline.WarmUpAsync()}");
            }

            if (modes.Contains("writer-records"))
            {
                return await WriterRecordsExperiment.RunAsync(root, pipelines[0], derivation, producers, perProducer);
            }

            // Rounds alternate every path, so that the disk, the JIT and other processes hit all alike (the two pipelines
            // take turns at going first); each round starts settled (the pipelines' earlier rows indexed, garbage
            // collected) and every path reports the median of its rounds with the range. "logging-pipeline N M pipeline"
            // runs only the pipelines' rounds (for a profiler), "pipeline-allocations" also samples what each round
            // allocates, by type.
            var pipelineOnly = modes.Contains("pipeline") || modes.Contains("pipeline-allocations");
            var plain = new List<double>();
            var raw = new List<double>();
            var full = new List<double>();
            var replay = new List<double>();
            var rawWriter = new List<string>();
            var flatOut = pipelines.ToDictionary(p => p, _ => new List<PipelineRound>());
            async Task SettleAll()
            {
                foreach (var pipeline in pipelines)
                {
                    await pipeline.SettleAsync();
                }
            }

            for (var round = 0; round < Rounds; round++)
            {
                if (!pipelineOnly)
                {
                    await SettleAll();
                    plain.Add(PlainSqlCipher(Path.Combine(root, $"plain-{round}.db"), derivation, total));
                    LogPipelineUnderTest.Collect();
                    raw.Add(Raw(Path.Combine(root, $"raw-{round}.db"), derivation, producers, perProducer, writerTimes: rawWriter));
                    LogPipelineUnderTest.Collect();
                    full.Add(Raw(Path.Combine(root, $"raw-full-{round}.db"), derivation, producers, perProducer, durableInterval: TimeSpan.Zero));
                }

                var order = round % 2 == 0 ? pipelines : Enumerable.Reverse(pipelines).ToList();
                var line = new List<string>();
                foreach (var pipeline in order)
                {
                    await SettleAll();
                    var measured = await pipeline.MeasureFlatOutAsync(sampleAllocations: modes.Contains("pipeline-allocations"));
                    flatOut[pipeline].Add(measured);
                    line.Add($"pipeline {pipeline.Label}: {measured.Rate:N0} records/s{(pipelineOnly ? "" : $" ({measured.Rate / raw[^1]:F2}x)")}; {measured.WhereTheTimeWent}");
                }

                if (!pipelineOnly)
                {
                    var replayed = pipelines[0].LastRoundAsBatches();
                    await SettleAll();
                    replay.Add(Raw(Path.Combine(root, $"raw-replay-{round}.db"), derivation, producers, perProducer, batches: replayed));
                    line.Insert(0, $"plain {plain[^1]:N0}, raw {raw[^1]:N0} (its writer thread {rawWriter[^1]}), raw FULL {full[^1]:N0}, raw replay {replay[^1]:N0}");
                }

                Console.WriteLine($"round {round + 1}: {string.Join(" | ", line)}");
            }

            double fts = double.NaN;
            if (!pipelineOnly)
            {
                await SettleAll();
                fts = Raw(Path.Combine(root, "raw-fts.db"), derivation, producers, perProducer, FtsInTransaction);
            }

            var results = new List<(LogPipelineUnderTest Pipeline, List<double> Rates, List<double> Latencies, long Lost, long Duplicates, double PacedRate, List<double> Paced)>();
            foreach (var pipeline in pipelines)
            {
                await SettleAll();
                var (pacedRate, paced, pacedDetail) = await pipeline.PacedAsync(PacedRate, PacedDuration);
                Console.WriteLine($"pipeline {pipeline.Label}, paced: {pacedDetail}");
                var latencies = pipeline.Latencies("module = 'Producer'");
                if (pipeline.Dropped > 0)
                {
                    Console.Error.WriteLine($"pipeline {pipeline.Label}: {pipeline.Dropped} records were dropped by full buffers");
                }

                results.Add((pipeline, flatOut[pipeline].ConvertAll(r => r.Rate), latencies, pipeline.MeasuredRecords - latencies.Count, pipeline.Duplicates(), pacedRate, paced));
            }

            var medianRaw = Median(raw);
            Console.WriteLine($"logging pipeline: {producers} producers x {perProducer:N0} records = {total:N0} records per round, {Rounds} alternating rounds (median, range), SQLCipher 4, WAL, a commit forced to disk at most every second (synchronous=FULL, else NORMAL), {RowsPerTransaction} rows per transaction at most");
            Console.WriteLine($"load after: {Load()}");
            Console.WriteLine("| path | records/s (median) | range | ratio to raw writer (medians) | latency p50 | latency p99 | lost | duplicates |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| plain SQLCipher: same rows into a one-index table (timestamp, level, category, message) | {Median(plain):N0} | {Range(plain)} | {Median(plain) / medianRaw:F2} | - | - | - | - |");
            Console.WriteLine($"| raw: batch writer straight into the encrypted DB | {medianRaw:N0} | {Range(raw)} | 1.00 | - | - | - | - |");
            Console.WriteLine($"| raw writer, every commit forced to disk (synchronous=FULL, as before) | {Median(full):N0} | {Range(full)} | {Median(full) / medianRaw:F2} | - | - | - | - |");
            Console.WriteLine($"| raw writer, the pipeline's own records of the round before (their timestamps, texts, order; {pipelines[0].Label}) | {Median(replay):N0} | {Range(replay)} | {Median(replay) / medianRaw:F2} | - | - | - | - |");
            Console.WriteLine($"| raw writer + trigram FTS5 of message kept in the same transaction (one round) | {fts:N0} | - | {fts / medianRaw:F2} | - | - | - | - |");
            foreach (var r in results)
            {
                Console.WriteLine($"| pipeline {r.Pipeline.Label}: ILogger -> bus logger -> broker -> consumer -> encrypted DB (flat out) | {Median(r.Rates):N0} | {Range(r.Rates)} | {Median(r.Rates) / medianRaw:F2} | {Percentile(r.Latencies, 0.50):F0} ms | {Percentile(r.Latencies, 0.99):F0} ms | {r.Lost} | {r.Duplicates} |");
                Console.WriteLine($"| pipeline {r.Pipeline.Label}, paced ({r.PacedRate:N0} records/s, {r.Paced.Count:N0} records) | - | - | - | {Percentile(r.Paced, 0.50):F0} ms | {Percentile(r.Paced, 0.99):F0} ms | - | - |");
            }

            foreach (var r in results.Where(_ => !pipelineOnly))
            {
                Console.WriteLine($"pipeline {r.Pipeline.Label} / raw writer per round: {string.Join(", ", r.Rates.Select((rate, i) => $"{rate / raw[i]:F2}"))}; best of {Rounds}: pipeline {r.Rates.Max():N0}, raw {raw.Max():N0} ({r.Rates.Max() / raw.Max():F2}x)");
                Console.WriteLine($"pipeline {r.Pipeline.Label} / raw writer of the same records, per round: {string.Join(", ", r.Rates.Select((rate, i) => $"{rate / replay[i]:F2}"))}; medians {Median(r.Rates) / Median(replay):F2}x");
            }

            if (results.Count == 2)
            {
                Console.WriteLine($"pipeline {results[0].Pipeline.Label} / {results[1].Pipeline.Label}, per round: {string.Join(", ", results[0].Rates.Select((rate, i) => $"{rate / results[1].Rates[i]:F2}"))}; medians {Median(results[0].Rates) / Median(results[1].Rates):F2}x");
            }

            return results.All(r => r.Lost == 0 && r.Duplicates == 0) ? 0 : 1;
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

    /// <summary>A new installation's key store under <paramref name="data"/> (what `aico security init` creates).</summary>
    private static MasterKeyStore KeyStore(string data)
    {
        var store = new MasterKeyStore(new AicoPaths(data, Path.Combine(data, "run")));
        store.Create(force: false);
        return store;
    }

    /// <summary>Disposes every pipeline started, also when a later one fails to start (their processes included).</summary>
    private sealed class AsyncDisposables(List<LogPipelineUnderTest> pipelines) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var pipeline in pipelines)
            {
                await pipeline.DisposeAsync();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Range(List<double> values) => values.Count == 0 ? "-" : $"{values.Min():N0}-{values.Max():N0}";

    private const string FtsInTransaction =
        "CREATE VIRTUAL TABLE logs_fts USING fts5 (message, content = 'logs', content_rowid = 'id', tokenize = 'trigram'); " +
        "CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN INSERT INTO logs_fts (rowid, message) VALUES (new.id, new.message); END";

    /// <summary>
    /// Rows/s of the batch writer on its own; <paramref name="writerTimes"/> gets where the writing thread's time went
    /// (beside the pipeline writer's: on a core, waiting for one, neither).
    /// </summary>
    internal static double Raw(string path, KeyDerivation derivation, int producers, int perProducer, string? setup = null, TimeSpan? durableInterval = null, List<LogBatch>? batches = null, List<string>? writerTimes = null)
    {
        var database = new EncryptedDatabase(new StorageOptions(path, derivation.DatabaseKey()));
        database.Migrate();
        if (setup is not null)
        {
            database.Execute(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = setup;
                return command.ExecuteNonQuery();
            });
        }

        var writer = new LogBatchWriter(database, durableInterval: durableInterval);
        WriteAll(writer, Batches("warmup", producers, Math.Min(perProducer, 10_000)));
        batches ??= Batches("bench", producers, perProducer);
        var thread = ThreadCpuTimes.Current();
        var watch = Stopwatch.StartNew();
        WriteAll(writer, batches);
        watch.Stop();
        writerTimes?.Add(ThreadCpuTimes.Current().Minus(thread).Shares(watch.Elapsed));
        return batches.Sum(b => b.Count) / watch.Elapsed.TotalSeconds;
    }

    internal static List<LogBatch> Batches(string name, int producers, int perProducer)
    {
        var now = DateTimeOffset.UtcNow;
        var batches = new List<LogBatch>();
        for (var p = 0; p < producers; p++)
        {
            for (var first = 1; first <= perProducer; first += 512)
            {
                var count = Math.Min(512, perProducer - first + 1);
                batches.Add(new LogBatch($"{name}/{p}", Enumerable.Range(first, count).Select(i => new LogEntry
                {
                    Sequence = i,
                    Timestamp = now,
                    Level = LogLevel.Information,
                    Category = "AICO.Benchmarks.Producer",
                    Message = $"record {i} of bench-{p}",
                    ExtraJson = $"{{\"Number\":\"{i}\",\"Producer\":\"bench-{p}\"}}",
                }).ToList()));
            }
        }

        foreach (var batch in batches)
        {
            _ = batch.Payload; // encoded before the clock starts: the writer gets what the consumer gets from the bus
        }

        return batches;
    }

    internal static void WriteAll(LogBatchWriter writer, List<LogBatch> batches)
    {
        foreach (var transaction in Transactions(batches))
        {
            writer.Write(transaction);
        }
    }

    /// <summary>The batches of each write transaction: in order, until the transaction holds at least <see cref="RowsPerTransaction"/> rows.</summary>
    internal static List<List<LogBatch>> Transactions(List<LogBatch> batches)
    {
        var transactions = new List<List<LogBatch>>();
        var group = new List<LogBatch>();
        var rows = 0;
        foreach (var batch in batches)
        {
            group.Add(batch);
            rows += batch.Count;
            if (rows >= RowsPerTransaction)
            {
                transactions.Add(group);
                group = [];
                rows = 0;
            }
        }

        if (group.Count > 0)
        {
            transactions.Add(group);
        }

        return transactions;
    }

    /// <summary>
    /// What the disk and the cipher allow: the same number of rows with the same texts into a small table with one
    /// index, bound with SQLite's own API, the same transaction size: the distance to it is the cost of the logs
    /// table's columns, indexes and accounting.
    /// </summary>
    private static double PlainSqlCipher(string path, KeyDerivation derivation, int total)
    {
        var database = new EncryptedDatabase(new StorageOptions(path, derivation.DatabaseKey()));
        var now = LogTimestamps.ToText(DateTimeOffset.UtcNow);
        return database.Execute(connection =>
        {
            using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE plain (id INTEGER PRIMARY KEY, timestamp TEXT NOT NULL, level TEXT NOT NULL, category TEXT NOT NULL, message TEXT NOT NULL) STRICT; " +
                    "CREATE INDEX ix_plain_timestamp ON plain (timestamp)";
                create.ExecuteNonQuery();
            }

            var db = connection.Handle!;
            SQLitePCL.raw.sqlite3_prepare_v2(db, "INSERT INTO plain (timestamp, level, category, message) VALUES (?1, ?2, ?3, ?4)", out var insert);
            using (insert)
            {
                void InsertRows(int count)
                {
                    for (var first = 0; first < count; first += RowsPerTransaction)
                    {
                        using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
                        for (var i = first; i < Math.Min(count, first + RowsPerTransaction); i++)
                        {
                            SQLitePCL.raw.sqlite3_bind_text(insert, 1, now);
                            SQLitePCL.raw.sqlite3_bind_text(insert, 2, "INFO");
                            SQLitePCL.raw.sqlite3_bind_text(insert, 3, "AICO.Benchmarks.Producer");
                            SQLitePCL.raw.sqlite3_bind_text(insert, 4, $"record {i} of bench");
                            if (SQLitePCL.raw.sqlite3_step(insert) != SQLitePCL.raw.SQLITE_DONE)
                            {
                                throw new InvalidOperationException(SQLitePCL.raw.sqlite3_errmsg(db).utf8_to_string());
                            }

                            SQLitePCL.raw.sqlite3_reset(insert);
                        }

                        transaction.Commit();
                    }
                }

                InsertRows(Math.Min(total, 40_000)); // warm-up, as for the writer and the pipeline
                var watch = Stopwatch.StartNew();
                InsertRows(total);
                return total / watch.Elapsed.TotalSeconds;
            }
        });
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
