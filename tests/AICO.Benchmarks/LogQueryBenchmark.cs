using System.Diagnostics;
using System.Globalization;
using AICO.Logging;
using AICO.LogStore;
using AICO.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The filters of `aico logs ls` / GET /api/v1/logs on a large logs table: builds an encrypted database of N rows
/// (default 1,000,000) through the consumer's batch writer - a week of records from five components, a realistic mix
/// of levels, half of them inside traces of ten records - then runs each filter through <see cref="LogQuery"/> (limit
/// 100, newest first, as the CLI and the API do) with varying arguments and reports p50/p99 per filter, beside the
/// same query with no filter (the baseline of reading 100 rows). Usage: logging-queries [rows] [repetitions]
/// </summary>
internal static class LogQueryBenchmark
{
    private static readonly string[] Components = ["gateway", "modelservice", "logconsumer", "broker", "cli"];
    private static readonly int[] ComponentWeights = [40, 30, 10, 19, 1];
    private static readonly (LogLevel Level, int Weight)[] Levels =
        [(LogLevel.Trace, 50), (LogLevel.Debug, 250), (LogLevel.Information, 600), (LogLevel.Warning, 70), (LogLevel.Error, 25), (LogLevel.Critical, 5)];
    private static readonly string[] Categories =
        ["AICO.Gateway.ChatEndpoints", "AICO.Gateway.EmbeddingsEndpoints", "AICO.Models.ChatService", "AICO.Models.EmbeddingEngine",
         "AICO.LogStore.LogRetention", "AICO.Bus.Broker.BrokerEngine", "Microsoft.Hosting.Lifetime", "AICO.Cli.LogsCommands"];

    public static Task<int> RunAsync(string[] args)
    {
        var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repetitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 21;
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-queries-" + Guid.NewGuid().ToString("N"));
        try
        {
            var database = new EncryptedDatabase(new StorageOptions(Path.Combine(root, "logs.db"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(StorageOptions.KeyLength)));
            database.Migrate();
            var end = DateTimeOffset.UtcNow;
            var start = end - TimeSpan.FromDays(7);
            var watch = Stopwatch.StartNew();
            var traces = Build(database, total, start, end);
            Console.WriteLine($"built {total:N0} rows in {watch.Elapsed.TotalSeconds:F1} s ({total / watch.Elapsed.TotalSeconds:N0} rows/s), file {new FileInfo(database.Options.DatabasePath).Length / 1048576.0:N0} MiB; load {Load()}");

            var random = new Random(7);
            DateTimeOffset Somewhen() => start + TimeSpan.FromSeconds(random.NextDouble() * (end - start).TotalSeconds * 0.95);
            var filters = new (string Name, Func<LogFilter> Filter)[]
            {
                ("no filter (baseline: the newest 100)", () => new LogFilter()),
                ("--level warning", () => new LogFilter { MinimumLevel = LogLevel.Warning }),
                ("--level error", () => new LogFilter { MinimumLevel = LogLevel.Error }),
                ("--level critical", () => new LogFilter { MinimumLevel = LogLevel.Critical }),
                ("--level info (most rows)", () => new LogFilter { MinimumLevel = LogLevel.Information }),
                ("--component (random of five)", () => new LogFilter { Component = Components[random.Next(Components.Length)] }),
                ("--component cli (1% of rows)", () => new LogFilter { Component = "cli" }),
                ("--subsystem AICO.Models", () => new LogFilter { Subsystem = "AICO.Models" }),
                ("--since 1h", () => new LogFilter { Since = end - TimeSpan.FromHours(1) }),
                ("--since/--until: a random 10 minutes", () => { var from = Somewhen(); return new LogFilter { Since = from, Until = from + TimeSpan.FromMinutes(10) }; }),
                ("--until a random time", () => new LogFilter { Until = Somewhen() }),
                ("--trace-id (a random trace)", () => new LogFilter { TraceId = traces[random.Next(traces.Count)] }),
                ("--level warning --since/--until 1 h", () => { var from = Somewhen(); return new LogFilter { MinimumLevel = LogLevel.Warning, Since = from, Until = from + TimeSpan.FromHours(1) }; }),
                ("--grep a common word (\"answered\")", () => new LogFilter { Grep = "answered" }),
                ("--grep a rare phrase (0.1% of rows)", () => new LogFilter { Grep = "quota" }),
                ("--grep a word in no row (whole table)", () => new LogFilter { Grep = "no-such-words" }),
            };

            // Before the index: nothing is indexed yet (a long unindexed tail), so grep scans newest-first with LIKE as
            // it did without the index: the baseline of the grep rows below, same database, same run.
            var greps = filters.Where(f => f.Name.StartsWith("--grep", StringComparison.Ordinal)).ToArray();
            Console.WriteLine($"grep without the index (LIKE scan, watermark 0), {repetitions} runs each; load {Load()}:");
            Console.WriteLine("| filter | rows | p50 ms | p99 ms |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var (name, filter) in filters.Take(1).Concat(greps))
            {
                var (rows, p50, p99) = Measure(database, filter, repetitions);
                Console.WriteLine($"| {name} (scan) | {rows} | {p50:F2} | {p99:F2} |");
            }

            watch.Restart();
            var indexer = new LogSearchIndexer(database);
            while (indexer.Step() > 0)
            {
            }

            Console.WriteLine($"indexed {indexer.IndexedRows:N0} rows behind the writer in {watch.Elapsed.TotalSeconds:F1} s ({indexer.IndexedRows / watch.Elapsed.TotalSeconds:N0} rows/s, steps of {LogSearchIndexer.DefaultRowsPerStep:N0}), file {new FileInfo(database.Options.DatabasePath).Length / 1048576.0:N0} MiB; load {Load()}");
            Console.WriteLine($"queries on {total:N0} rows, limit 100, newest first (LogQuery, as `aico logs ls` and GET /api/v1/logs), {repetitions} runs each:");
            Console.WriteLine("| filter | rows | p50 ms | p99 ms |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var (name, filter) in filters)
            {
                var (rows, p50, p99) = Measure(database, filter, repetitions);
                Console.WriteLine($"| {name} | {rows} | {p50:F2} | {p99:F2} |");
            }

            // A tail above the watermark as the consumer leaves it between idle moments: 5,000 fresh rows, unindexed.
            var tailFilters = new (string Name, Func<LogFilter> Filter)[]
            {
                ("--grep a rare phrase, 5,000 unindexed rows above the watermark", () => new LogFilter { Grep = "quota" }),
                ("--grep a word in no row, 5,000 unindexed rows above the watermark", () => new LogFilter { Grep = "no-such-words" }),
            };
            Build(database, 5_000, end, end + TimeSpan.FromMinutes(1), producerSuffix: "tail");
            foreach (var (name, filter) in tailFilters)
            {
                var (rows, p50, p99) = Measure(database, filter, repetitions);
                Console.WriteLine($"| {name} | {rows} | {p50:F2} | {p99:F2} |");
            }

            Console.WriteLine($"load {Load()}");
            return Task.FromResult(0);
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

    private static (int Rows, double P50, double P99) Measure(EncryptedDatabase database, Func<LogFilter> filter, int repetitions)
    {
        var times = new List<double>();
        var rows = 0;
        using var connection = database.Open();
        LogQuery.Read(connection, filter()); // warm: prepared and the pages it touches in the cache, as on a second `ls`
        for (var i = 0; i < repetitions; i++)
        {
            var f = filter();
            var watch = Stopwatch.StartNew();
            rows = LogQuery.Read(connection, f).Count;
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return (rows, times[times.Count / 2], times[Math.Min(times.Count - 1, (int)(times.Count * 0.99))]);
    }

    /// <summary>Writes the rows through the consumer's writer; returns some trace ids that exist.</summary>
    private static List<string> Build(EncryptedDatabase database, int total, DateTimeOffset start, DateTimeOffset end, string producerSuffix = "")
    {
        var random = new Random(42);
        var writer = new LogBatchWriter(database);
        var step = (end - start) / total;
        var sequences = new long[Components.Length];
        var producers = Components.Select(c => $"{c}/{Guid.NewGuid().ToString("N")[..12]}{producerSuffix}").ToArray();
        var traces = new List<string>();
        var trace = (Id: (string?)null, Left: 0);
        var pending = Components.Select(_ => new List<LogEntry>()).ToArray();
        var group = new List<LogBatch>();
        var groupRows = 0;
        for (var i = 0; i < total; i++)
        {
            var component = Pick(random, ComponentWeights);
            if (trace.Left == 0 && random.Next(2) == 0)
            {
                trace = (Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), 10);
                if (traces.Count < 10_000)
                {
                    traces.Add(trace.Id!);
                }
            }

            var inTrace = trace.Left > 0;
            if (inTrace)
            {
                trace.Left--;
            }

            var level = Levels[Pick(random, Levels.Select(l => l.Weight).ToArray())].Level;
            var n = random.Next(100_000);
            pending[component].Add(new LogEntry
            {
                Sequence = ++sequences[component],
                Timestamp = start + step * i,
                Level = level,
                Category = Categories[random.Next(Categories.Length)],
                Message = random.Next(1000) == 0 ? $"disk quota at {n % 100}% for the log store" : Message(random, n),
                TraceId = inTrace ? trace.Id : null,
                SpanId = inTrace ? "b7ad6b7169203331" : null,
                ExtraJson = $"{{\"Number\":\"{n}\"}}",
            });
            if (pending[component].Count == 512)
            {
                group.Add(new LogBatch(producers[component], pending[component]));
                groupRows += 512;
                pending[component] = [];
            }

            if (groupRows >= 5_000)
            {
                writer.Write(group);
                group.Clear();
                groupRows = 0;
            }
        }

        group.AddRange(pending.Select((p, c) => (p, c)).Where(x => x.p.Count > 0).Select(x => new LogBatch(producers[x.c], x.p)));
        writer.Write(group);
        return traces;
    }

    private static string Message(Random random, int n) => random.Next(4) switch
    {
        0 => $"chat request {n} answered in {n % 900} ms",
        1 => $"embedding batch of {n % 64} sentences encoded",
        2 => $"bus client state changed to Authenticated after {n % 5} attempts",
        _ => $"request {n} finished with status {200 + n % 3}",
    };

    private static int Pick(Random random, int[] weights)
    {
        var roll = random.Next(weights.Sum());
        for (var i = 0; i < weights.Length; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
