using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using AICO.Bus;
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
///     broker (CURVE + sealed sessions) -> log consumer -> encrypted database.
/// Reports records/s, the ratio, latency from the ILogger call to the committed row (p50/p99), and records lost.
/// Usage: logging-pipeline [producers] [records per producer]
/// </summary>
internal static class LoggingPipelineBenchmark
{
    private const int RowsPerTransaction = 5_000;
    private const int PacedRate = 2_000;
    private static readonly TimeSpan PacedDuration = TimeSpan.FromSeconds(5);
    private static readonly (int Min, int Max) WarmupRounds = (3, 6);
    private static readonly TimeSpan WarmupPause = TimeSpan.FromMilliseconds(500);
    private const int WarmupSettledMethods = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        var producers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
        var perProducer = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var total = producers * perProducer;
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-logging-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = new AicoPaths(Path.Combine(root, "data"), Path.Combine(root, "data", "run"));
            var store = new MasterKeyStore(paths);
            store.Create(force: false);
            var derivation = store.LoadDerivation();

            Console.WriteLine($"load before: {Load()}");
            // Baselines: best of three rounds that alternate, so that the disk and other processes hit all alike.
            // "logging-pipeline N M pipeline" runs the pipeline alone (for a profiler).
            double plain = double.NaN, raw = double.NaN, full = double.NaN, fts = double.NaN;
            if (args.ElementAtOrDefault(2) != "pipeline")
            {
                plain = raw = full = 0;
                for (var round = 0; round < 3; round++)
                {
                    plain = Math.Max(plain, PlainSqlCipher(Path.Combine(root, $"plain-{round}.db"), derivation, total));
                    raw = Math.Max(raw, Raw(Path.Combine(root, $"raw-{round}.db"), derivation, producers, perProducer));
                    full = Math.Max(full, Raw(Path.Combine(root, $"raw-full-{round}.db"), derivation, producers, perProducer, durableInterval: TimeSpan.Zero));
                }

                fts = Raw(Path.Combine(root, "raw-fts.db"), derivation, producers, perProducer, FtsInTransaction);
            }

            var pipeline = await PipelineAsync(paths, derivation, producers, perProducer);

            Console.WriteLine($"logging pipeline: {producers} producers x {perProducer:N0} records = {total:N0} records, SQLCipher 4, WAL, a commit forced to disk at most every second (synchronous=FULL, else NORMAL), {RowsPerTransaction} rows per transaction at most");
            Console.WriteLine($"load after: {Load()}");
            Console.WriteLine("| path | records/s | ratio to raw writer | latency p50 | latency p99 | lost | duplicates |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| plain SQLCipher: same rows into a one-index table (timestamp, level, category, message) | {plain:N0} | {plain / raw:F2} | - | - | - | - |");
            Console.WriteLine($"| raw: batch writer straight into the encrypted DB | {raw:N0} | 1.00 | - | - | - | - |");
            Console.WriteLine($"| raw writer, every commit forced to disk (synchronous=FULL, as before) | {full:N0} | {full / raw:F2} | - | - | - | - |");
            Console.WriteLine($"| raw writer + trigram FTS5 of message kept in the same transaction | {fts:N0} | {fts / raw:F2} | - | - | - | - |");
            Console.WriteLine($"| pipeline: ILogger -> bus logger -> broker -> consumer -> encrypted DB (flat out) | {pipeline.Rate:N0} | {pipeline.Rate / raw:F2} | {pipeline.P50:F0} ms | {pipeline.P99:F0} ms | {pipeline.Lost} | {pipeline.Duplicates} |");
            Console.WriteLine($"pipeline flat out kept {pipeline.Cores:F2} of {Environment.ProcessorCount} cores busy (process CPU time / wall time); the consumer wrote {pipeline.RowsPerTransaction:N0} rows per transaction on average");
            Console.WriteLine($"| pipeline, paced ({pipeline.PacedRate:N0} records/s, {pipeline.PacedCount:N0} records) | - | - | {pipeline.PacedP50:F0} ms | {pipeline.PacedP99:F0} ms | - | - |");
            return pipeline.Lost == 0 && pipeline.Duplicates == 0 ? 0 : 1;
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

    private const string FtsInTransaction =
        "CREATE VIRTUAL TABLE logs_fts USING fts5 (message, content = 'logs', content_rowid = 'id', tokenize = 'trigram'); " +
        "CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN INSERT INTO logs_fts (rowid, message) VALUES (new.id, new.message); END";

    private static double Raw(string path, KeyDerivation derivation, int producers, int perProducer, string? setup = null, TimeSpan? durableInterval = null)
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
        var batches = Batches("bench", producers, perProducer);
        var watch = Stopwatch.StartNew();
        WriteAll(writer, batches);
        watch.Stop();
        return producers * perProducer / watch.Elapsed.TotalSeconds;
    }

    private static List<LogBatch> Batches(string name, int producers, int perProducer)
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

    private static void WriteAll(LogBatchWriter writer, List<LogBatch> batches)
    {
        var group = new List<LogBatch>();
        var rows = 0;
        foreach (var batch in batches)
        {
            group.Add(batch);
            rows += batch.Count;
            if (rows >= RowsPerTransaction)
            {
                writer.Write(group);
                group.Clear();
                rows = 0;
            }
        }

        if (group.Count > 0)
        {
            writer.Write(group);
        }
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

    private sealed record PipelineResult(
        double Rate, double Cores, double RowsPerTransaction, double P50, double P99, long Lost, long Duplicates, double PacedRate, int PacedCount, double PacedP50, double PacedP99);

    private static async Task<PipelineResult> PipelineAsync(
        AicoPaths paths, KeyDerivation derivation, int producers, int perProducer)
    {
        var total = (long)producers * perProducer;
        await using var broker = BenchmarkBroker.Start(derivation);
        var database = new EncryptedDatabase(StorageOptions.FromKeyStore(paths));
        database.Migrate();

        BusClient Client(string component)
        {
            var client = new BusClient(ComponentKeys.Derive(derivation, component), new BusClientOptions { Endpoint = broker.BoundEndpoint });
            client.Start();
            return client;
        }

        await using var consumerClient = Client(Components.LogConsumer);
        await using var consumer = new LogConsumer(consumerClient, database, new LogConsumerOptions { MaxRowsPerTransaction = RowsPerTransaction });
        consumer.Start();

        // Producers of the allowed client components; several may share one (each is its own producer instance).
        string[] components = [Components.Gateway, Components.ModelService, Components.Cli];
        var clients = new List<BusClient>();
        var providers = new List<BusLoggerProvider>();
        for (var p = 0; p < producers; p++)
        {
            var client = Client(components[p % components.Length]);
            await client.WaitUntilAuthenticatedAsync(CancellationToken.None);
            // A buffer as large as the run: the measurement is throughput with nothing dropped.
            var provider = new BusLoggerProvider(new BusLoggingOptions { BufferCapacity = perProducer + 1 });
            provider.Start(client);
            clients.Add(client);
            providers.Add(provider);
        }

        await WaitAsync(() => providers.All(p => p.Gate?.IsOpen == true), TimeSpan.FromSeconds(60));

        // Warm-up: the same calls through the same pipeline (module "Warmup") in rounds, each followed by a pause for the
        // runtime's background JIT, until a round and its pause compile at most 50 methods: then the hot code runs fully
        // optimised (tiered compilation, as BenchmarkDotNet waits for it), as in a long-running service and as for the
        // raw writer's and the plain insert's best-of-three rounds.
        var warmed = 0L;
        var rounds = 0;
        for (var compiled = JitInfo.GetCompiledMethodCount(); rounds < WarmupRounds.Max; rounds++)
        {
            warmed += perProducer;
            await FlatOutAsync(providers, "AICO.Benchmarks.Warmup", perProducer, () => consumer.CommittedRows >= producers * warmed);
            await Task.Delay(WarmupPause);
            var now = JitInfo.GetCompiledMethodCount();
            var added = now - compiled;
            compiled = now;
            if (rounds + 1 >= WarmupRounds.Min && added <= WarmupSettledMethods)
            {
                rounds++;
                break;
            }
        }

        var compiledBefore = JitInfo.GetCompiledMethodCount();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var transactions = consumer.Transactions;
        var writing = consumer.WritingTicks;
        var watch = Stopwatch.StartNew();
        await FlatOutAsync(providers, "AICO.Benchmarks.Producer", perProducer, () => consumer.CommittedRows >= producers * warmed + total);
        watch.Stop();
        Console.WriteLine($"pipeline warm-up: {rounds} rounds of {perProducer:N0} records per producer; methods compiled during the measured run: {JitInfo.GetCompiledMethodCount() - compiledBefore}");
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / watch.Elapsed;
        var rowsPerTransaction = total / (double)Math.Max(1, consumer.Transactions - transactions);
        var writerBusy = Stopwatch.GetElapsedTime(writing, consumer.WritingTicks) / watch.Elapsed;
        Console.WriteLine($"writer busy {writerBusy:P0} of the flat-out run");
        foreach (var provider in providers)
        {
            await provider.FlushAsync(TimeSpan.FromSeconds(30));
        }

        // Latency at a steady rate below saturation (at full speed it is only the queue length): 2,000 records/s in all
        // for 5 s, each producer on a fixed schedule (its i-th record due at i / rate; a late thread catches up).
        var paced = providers.Select((provider, p) => new Thread(() =>
        {
            var logger = provider.CreateLogger("AICO.Benchmarks.Paced");
            var interval = TimeSpan.FromSeconds(providers.Count / (double)PacedRate);
            var clock = Stopwatch.StartNew();
            for (var i = 1; i * interval <= PacedDuration; i++)
            {
                while (clock.Elapsed < i * interval)
                {
                    Thread.Sleep(1);
                }

                logger.LogInformation("paced {Number}", i);
            }
        })).ToList();
        var pacedClock = Stopwatch.StartNew();
        paced.ForEach(t => t.Start());
        paced.ForEach(t => t.Join());
        pacedClock.Stop();
        foreach (var provider in providers)
        {
            await provider.FlushAsync(TimeSpan.FromSeconds(30));
        }

        var pacedLatencies = Latencies(database, "module = 'Paced'");

        var latencies = Latencies(database, "module = 'Producer'");
        var stored = latencies.Count;
        var duplicates = database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT coalesce(sum(duplicates), 0) FROM log_producers";
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });

        foreach (var provider in providers)
        {
            await provider.StopAsync();
            provider.Dispose();
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        var dropped = providers.Sum(p => p.Buffer.DroppedTotal);
        if (dropped > 0)
        {
            Console.Error.WriteLine($"{dropped} records were dropped by full buffers");
        }

        return new PipelineResult(total / watch.Elapsed.TotalSeconds, cores, rowsPerTransaction, Percentile(latencies, 0.50), Percentile(latencies, 0.99), total - stored, duplicates,
            pacedLatencies.Count / pacedClock.Elapsed.TotalSeconds, pacedLatencies.Count, Percentile(pacedLatencies, 0.50), Percentile(pacedLatencies, 0.99));
    }

    /// <summary>Every producer logs <paramref name="perProducer"/> records on its own thread as fast as it can; returns when <paramref name="done"/>.</summary>
    private static async Task FlatOutAsync(List<BusLoggerProvider> providers, string category, int perProducer, Func<bool> done)
    {
        var threads = providers.Select((provider, p) => new Thread(() =>
        {
            var logger = provider.CreateLogger(category);
            var name = $"producer-{p}";
            for (var i = 1; i <= perProducer; i++)
            {
                logger.LogInformation("record {Number} of {Producer}", i, name);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await WaitAsync(done, TimeSpan.FromMinutes(5));
    }

    /// <summary>From the ILogger call (the record's timestamp) to its row being stored (created_at, millisecond resolution).</summary>
    private static List<double> Latencies(EncryptedDatabase database, string where)
    {
        var latencies = database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = $"SELECT timestamp, created_at FROM logs WHERE {where}";
            using var r = command.ExecuteReader();
            var list = new List<double>();
            while (r.Read())
            {
                list.Add((LogTimestamps.Parse(r.GetString(1)) - LogTimestamps.Parse(r.GetString(0))).TotalMilliseconds);
            }

            return list;
        });
        latencies.Sort();
        return latencies;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the pipeline did not deliver in time");
            }

            await Task.Delay(20);
        }
    }
}
