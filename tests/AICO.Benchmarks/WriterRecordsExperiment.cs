using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.Benchmarks;

/// <summary>
/// Why the raw writer is slower on the pipeline's own records than on the synthetic rows: `logging-pipeline N M
/// writer-records` runs one pipeline round, then the raw writer on the synthetic rows, on that round's records, and on
/// those records with one property changed at a time (timestamps in write order, the pipeline's
/// own producer names instead of the replay's short ones, each write transaction's records merged by time across
/// producers), in alternating rounds. It shows how far behind the time index's end the rows land: in arrival order, if
/// windows of 5,000-50,000 rows were sorted, and as stored (from the ids the writer gave them). Each run starts from an empty WAL and
/// ends with a checkpoint inside the clock, so every data set pays for copying all of its pages (the benchmark's rows
/// pay for however many automatic checkpoints fall into their window: up to one more or less of ~6 per 100,000 rows).
/// Per run: rows/s, the writer thread's user and system CPU per row (getrusage), bytes written and read per row
/// (/proc/self/io) and the database's pages.
/// </summary>
internal static class WriterRecordsExperiment
{
    private const int Rounds = 5;

    public static async Task<int> RunAsync(string root, LogPipelineUnderTest pipeline, KeyDerivation derivation, int producers, int perProducer)
    {
        await pipeline.MeasureFlatOutAsync();
        var replay = pipeline.LastRoundAsBatches();
        var origin = replay[0].Entries[0].Timestamp;
        var names = new Dictionary<string, string>();
        var variants = new Dictionary<string, List<LogBatch>>
        {
            ["synthetic rows (the raw row)"] = LoggingPipelineBenchmark.Batches("bench", producers, perProducer),
            ["the pipeline's records (the replay row)"] = replay,
            ["replay, timestamps in write order"] = Rewrite(replay, (e, i) => With(e, origin.AddTicks(i * 10))),
            // No "synthetic texts" variant since session 9: the pipeline's producers log the raw row's texts.
            // The replay renames producers to "replay/N"; the pipeline's own are "component/12 hex digits".
            ["replay, the pipeline's producer names"] = Encoded(replay.ConvertAll(b => new LogBatch(
                names.TryGetValue(b.Producer, out var name) ? name : names[b.Producer] = $"gateway/{Guid.NewGuid():N}"[..20], b.Entries))),
        };
        var plans = variants.ToDictionary(v => v.Key, v => LoggingPipelineBenchmark.Transactions(v.Value));
        // The same transactions with each one's records in time order across producers (a k-way merge of one run per
        // producer, as a writer that merged each transaction would insert them): the writer's after on the same data.
        plans["replay, each transaction's rows merged by time before the writer"] = MergedByTime(plans["the pipeline's records (the replay row)"]);
        foreach (var (name, transactions) in plans)
        {
            Describe(name, [.. transactions.SelectMany(t => t)]);
        }

        var results = plans.Keys.ToDictionary(k => k, _ => new List<RunFigures>());
        await pipeline.SettleAsync();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (name, transactions) in plans)
            {
                var path = Path.Combine(root, $"writer-records-{Guid.NewGuid():N}.db");
                results[name].Add(Run(path, derivation, producers, transactions));
                SqliteConnection.ClearAllPools();
                foreach (var file in Directory.GetFiles(root, Path.GetFileName(path) + "*"))
                {
                    File.Delete(file);
                }
            }
        }

        Console.WriteLine($"| records (writer, {Rounds} alternating runs, medians) | rows/s | user us/row | system us/row | written B/row | read B/row | pages | stored behind the index's end (mean entries) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, runs) in results)
        {
            double Median(Func<RunFigures, double> of) => runs.Select(of).Order().ElementAt(Rounds / 2);
            Console.WriteLine($"| {name} | {Median(r => r.Rate):N0} ({string.Join(", ", runs.Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture)))}) | " +
                $"{Median(r => r.User):F2} | {Median(r => r.System):F2} | {Median(r => r.Written):F0} | {Median(r => r.Read):F0} | {runs[^1].Pages:N0} | {runs[^1].Behind:F0} |");
        }

        return 0;
    }

    private sealed record RunFigures(double Rate, double User, double System, double Written, double Read, long Pages, double Behind);

    /// <summary>How far behind the time index's end the writer inserted the measured rows (mean entries), from their ids (after the clock).</summary>
    private static double StoredBehind(EncryptedDatabase database, long firstId) => database.Execute(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT timestamp FROM logs WHERE id >= $first ORDER BY id";
        command.Parameters.AddWithValue("$first", firstId);
        using var reader = command.ExecuteReader();
        var stamps = new List<string>();
        while (reader.Read())
        {
            stamps.Add(reader.GetString(0));
        }

        return Behind(stamps).Average();
    });

    /// <summary>
    /// Each transaction's records in time order across producers (a producer's own in sequence order; on equal times
    /// the producer that came first), cut into batches of one producer and at most 512 records.
    /// </summary>
    private static List<List<LogBatch>> MergedByTime(List<List<LogBatch>> transactions) => transactions.ConvertAll(transaction =>
    {
        var runs = transaction.GroupBy(b => b.Producer).Select(g => (Producer: g.Key, Entries: g.SelectMany(b => b.Entries).ToList())).ToList();
        var next = new int[runs.Count];
        var merged = new List<LogBatch>();
        var chunk = new List<LogEntry>();
        string? producer = null;
        while (true)
        {
            var pick = -1;
            for (var i = 0; i < runs.Count; i++)
            {
                if (next[i] < runs[i].Entries.Count && (pick < 0 || runs[i].Entries[next[i]].Timestamp < runs[pick].Entries[next[pick]].Timestamp))
                {
                    pick = i;
                }
            }

            if (pick < 0 || (chunk.Count > 0 && (runs[pick].Producer != producer || chunk.Count == 512)))
            {
                merged.Add(new LogBatch(producer!, chunk));
                chunk = [];
            }

            if (pick < 0)
            {
                return Encoded(merged);
            }

            producer = runs[pick].Producer;
            chunk.Add(runs[pick].Entries[next[pick]++]);
        }
    });

    private static LogEntry With(LogEntry e, DateTimeOffset timestamp) => new()
    {
        Sequence = e.Sequence, Timestamp = timestamp, Level = e.Level, Category = e.Category, Message = e.Message, ExtraJson = e.ExtraJson,
    };

    private static List<LogBatch> Rewrite(List<LogBatch> batches, Func<LogEntry, int, LogEntry> change)
    {
        var i = 0;
        return Encoded(batches.ConvertAll(b => new LogBatch(b.Producer, b.Entries.Select(e => change(e, i++)).ToList())));
    }

    private static List<LogBatch> Encoded(List<LogBatch> batches)
    {
        batches.ForEach(b => _ = b.Payload);
        return batches;
    }

    private static void Describe(string name, List<LogBatch> batches)
    {
        var entries = batches.SelectMany(b => b.Entries).ToList();
        var stamps = entries.ConvertAll(e => e.Timestamp);
        var behind = Behind(stamps);
        Console.WriteLine($"{name}: {entries.Count:N0} records in {batches.Count} batches, timestamps span {(stamps.Max() - stamps.Min()).TotalMilliseconds:F1} ms; " +
            $"in arrival order a row lands behind the index's end by (entries) mean {behind.Average():F0}, p50 {behind[behind.Count / 2]}, p90 {behind[behind.Count * 9 / 10]}; " +
            $"message {entries.Average(e => e.Message.Length):F1} chars, extra {entries.Average(e => e.ExtraJson?.Length ?? 0):F1}, producer {batches.Average(b => b.Producer.Length):F1}");
        if (!name.StartsWith("the pipeline's records", StringComparison.Ordinal))
        {
            return;
        }

        // How far the writer would have to look ahead to append: the mean if every window of N rows were put in time order.
        Console.WriteLine($"  {name}: sorted by time within windows of 5,000 / 10,000 / 20,000 / 50,000 rows: mean behind " +
            string.Join(" / ", new[] { 5_000, 10_000, 20_000, 50_000 }.Select(n => Behind(stamps.Chunk(n).SelectMany(w => w.Order()).ToList()).Average().ToString("F0", CultureInfo.InvariantCulture))));
        var origin = stamps.Min();
        Console.WriteLine($"  {name}: per producer, first..last timestamp (ms after the earliest) and where its rows arrive (first..last row): " + string.Join("; ",
            batches.Select((b, i) => (b, i)).GroupBy(x => x.b.Producer).Select(g =>
            {
                var own = g.SelectMany(x => x.b.Entries).Select(e => (e.Timestamp - origin).TotalMilliseconds).ToList();
                var firstRow = batches.Take(g.First().i).Sum(b => b.Count);
                var lastRow = batches.Take(g.Last().i + 1).Sum(b => b.Count) - 1;
                return FormattableString.Invariant($"{g.Key} {own.Min():F1}..{own.Max():F1} ms, rows {firstRow:N0}..{lastRow:N0}");
            })));
    }

    /// <summary>
    /// Per row in insertion order, sorted: how many rows with a later timestamp the index already holds when it is
    /// inserted (Fenwick tree over timestamp ranks): 0 for every row = appends at the index's end.
    /// </summary>
    private static List<int> Behind<T>(List<T> stamps)
    {
        var ranks = new int[stamps.Count];
        var rank = 0;
        foreach (var i in Enumerable.Range(0, stamps.Count).OrderBy(i => stamps[i]).ThenBy(i => i))
        {
            ranks[i] = rank++;
        }

        var tree = new int[stamps.Count + 1];
        var behind = new List<int>(stamps.Count);
        for (var i = 0; i < ranks.Length; i++)
        {
            var atOrBelow = 0;
            for (var k = ranks[i] + 1; k > 0; k -= k & -k)
            {
                atOrBelow += tree[k];
            }

            behind.Add(i - atOrBelow);
            for (var k = ranks[i] + 1; k < tree.Length; k += k & -k)
            {
                tree[k]++;
            }
        }

        behind.Sort();
        return behind;
    }

    /// <summary>On its own thread, so that getrusage(RUSAGE_THREAD) sees the writer alone.</summary>
    private static RunFigures Run(string path, KeyDerivation derivation, int producers, List<List<LogBatch>> transactions)
    {
        RunFigures? figures = null;
        var thread = new Thread(() => figures = Measure(path, derivation, producers, transactions)) { Name = "writer-records" };
        thread.Start();
        thread.Join();
        return figures!;
    }

    private static RunFigures Measure(string path, KeyDerivation derivation, int producers, List<List<LogBatch>> transactions)
    {
        var database = new EncryptedDatabase(new StorageOptions(path, derivation.DatabaseKey()));
        database.Migrate();
        var writer = new LogBatchWriter(database);
        LoggingPipelineBenchmark.WriteAll(writer, LoggingPipelineBenchmark.Batches("warmup", producers, 10_000));
        long Pragma(string sql) => database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
        Pragma("PRAGMA wal_checkpoint(TRUNCATE)");
        var firstId = Pragma("SELECT coalesce(max(id), 0) + 1 FROM logs");
        LogPipelineUnderTest.Collect();
        var (user, system) = ThreadTimes();
        var (written, read) = (Io("wchar:"), Io("rchar:"));
        var watch = Stopwatch.StartNew();
        foreach (var transaction in transactions)
        {
            writer.Write(transaction);
        }

        Pragma("PRAGMA wal_checkpoint(TRUNCATE)");
        watch.Stop();
        var (userAfter, systemAfter) = ThreadTimes();
        var rows = (double)transactions.Sum(t => t.Sum(b => b.Count));
        var (writtenAfter, readAfter) = (Io("wchar:"), Io("rchar:"));
        return new RunFigures(rows / watch.Elapsed.TotalSeconds, (userAfter - user) / rows, (systemAfter - system) / rows,
            (writtenAfter - written) / rows, (readAfter - read) / rows, Pragma("PRAGMA page_count"), StoredBehind(database, firstId));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRss, Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);

    /// <summary>User and system CPU microseconds of the calling thread (RUSAGE_THREAD).</summary>
    private static (double User, double System) ThreadTimes()
    {
        GetResourceUsage(1, out var u);
        return (u.UserSeconds * 1e6 + u.UserMicros, u.SystemSeconds * 1e6 + u.SystemMicros);
    }

    /// <summary>Bytes this process passed to write (wchar) or read (rchar) system calls so far.</summary>
    private static long Io(string key) =>
        long.Parse(File.ReadAllLines("/proc/self/io").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim(), CultureInfo.InvariantCulture);
}
