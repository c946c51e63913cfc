using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using AICO.Bus;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// A whole log pipeline for logging-pipeline: N producers in this process, each with its own bus client and bus logger,
/// the broker (CURVE + sealed sessions) on loopback and the log consumer writing its encrypted database, either in this
/// process too or as deployed, each its own process (<see cref="ILogConsumerUnderTest"/>). Warmed up once; then
/// flat-out rounds can be measured between other work, each from a settled state.
/// </summary>
internal sealed class LogPipelineUnderTest : IAsyncDisposable
{
    private static readonly (int Min, int Max) WarmupRounds = (3, 8);
    private static readonly TimeSpan WarmupPause = TimeSpan.FromMilliseconds(500);
    private const int WarmupSettledMethods = 50;
    // The other processes' background JIT in a warm-up round and its pause (about what 50 methods cost).
    private static readonly TimeSpan WarmupSettledOutsideJit = TimeSpan.FromMilliseconds(20);

    internal const string WriterThread = "AICO.LogStore w"; // "AICO.LogStore writer", as Linux keeps 15 characters

    private readonly ILogConsumerUnderTest _consumer;
    private readonly List<BusClient> _clients;
    private readonly List<BusLoggerProvider> _providers;
    private readonly AcknowledgementClock _acknowledgements = new();
    private readonly int _perProducer;
    private long _roundAfterId;

    private LogPipelineUnderTest(ILogConsumerUnderTest consumer, EncryptedDatabase database, List<BusClient> clients, List<BusLoggerProvider> providers, int perProducer)
    {
        _consumer = consumer;
        Database = database;
        _clients = clients;
        _providers = providers;
        _perProducer = perProducer;
    }

    public EncryptedDatabase Database { get; }

    public string Label => _consumer.Label;

    /// <summary>Records the measured rounds logged (module "Producer").</summary>
    public long MeasuredRecords { get; private set; }

    /// <param name="deployed">The broker and the consumer as their own processes (AICO.Broker, AICO.LogConsumer), else in this process.</param>
    public static async Task<LogPipelineUnderTest> StartAsync(AicoPaths paths, int producers, int perProducer, int rowsPerTransaction, bool deployed)
    {
        var derivation = new MasterKeyStore(paths).LoadDerivation();
        var database = new EncryptedDatabase(StorageOptions.FromKeyStore(paths));
        database.Migrate();
        ILogConsumerUnderTest consumer = deployed
            ? await DeployedLogConsumer.StartAsync(paths)
            : new InProcessLogConsumer(derivation, database, rowsPerTransaction);

        // Producers of the allowed client components; several may share one (each is its own producer instance).
        string[] components = [Components.Gateway, Components.ModelService, Components.Cli];
        var clients = new List<BusClient>();
        var providers = new List<BusLoggerProvider>();
        var pipeline = new LogPipelineUnderTest(consumer, database, clients, providers, perProducer);
        try
        {
            for (var p = 0; p < producers; p++)
            {
                var client = new BusClient(ComponentKeys.Derive(derivation, components[p % components.Length]), new BusClientOptions { Endpoint = consumer.BusEndpoint });
                clients.Add(client);
                client.Start();
                await client.WaitUntilAuthenticatedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
                // A buffer as large as a round: the measurement is throughput with nothing dropped.
                var provider = new BusLoggerProvider(new BusLoggingOptions { BufferCapacity = perProducer + 1 });
                provider.Start(client);
                providers.Add(provider);
            }

            await WaitAsync(() => providers.All(p => p.Gate?.IsOpen == true), TimeSpan.FromSeconds(60));
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The same calls through the same pipeline (module "Warmup") in rounds, each followed by a pause for the runtime's
    /// background JIT, until a round and its pause compile at most 50 methods: then the hot code runs fully optimised
    /// (tiered compilation, as BenchmarkDotNet waits for it), as in a long-running service. With the broker and the
    /// consumer in their own processes, their background JIT must have settled too (its thread's CPU time).
    /// </summary>
    public async Task<string> WarmUpAsync()
    {
        var rounds = new List<string>();
        var compiled = JitInfo.GetCompiledMethodCount();
        while (rounds.Count < WarmupRounds.Max)
        {
            var outside = _consumer.CountOutsideJit();
            await FlatOutAsync("AICO.Benchmarks.Warmup");
            await Task.Delay(WarmupPause);
            var now = JitInfo.GetCompiledMethodCount();
            var (added, addedOutside) = (now - compiled, TimeSpan.FromSeconds(outside()));
            compiled = now;
            rounds.Add($"{added} methods compiled here, {addedOutside.TotalMilliseconds:F0} ms of JIT elsewhere");
            if (rounds.Count >= WarmupRounds.Min && added <= WarmupSettledMethods && addedOutside <= WarmupSettledOutsideJit)
            {
                break;
            }
        }

        return $"{rounds.Count} rounds of {_perProducer:N0} records per producer ({string.Join("; ", rounds)})";
    }

    /// <summary>
    /// One measured flat-out round (module "Producer"), from a settled state: the consumer has indexed every earlier row
    /// for grep and the garbage of earlier work is collected, as before every baseline round.
    /// </summary>
    public async Task<PipelineRound> MeasureFlatOutAsync(bool sampleAllocations = false)
    {
        await SettleAsync();
        _roundAfterId = Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT coalesce(max(id), 0) FROM logs";
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
        var total = (long)_providers.Count * _perProducer;
        var compiled = JitInfo.GetCompiledMethodCount();
        var (cpu, outsideCpu) = (Process.GetCurrentProcess().TotalProcessorTime, _consumer.OutsideCpuSeconds());
        var (gen0, gen1, gen2, paused, allocated) =
            (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());
        var threads = ThreadCpuTimes.Take();
        var machine = MachineCpu.Take();
        using var sampler = sampleAllocations ? new AllocationSampler() : null;
        var consumerRound = _consumer.BeginRound();
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        await FlatOutAsync("AICO.Benchmarks.Producer");
        var consumerReport = consumerRound();
        var byThread = ThreadCpuTimes.Take().Detailed(threads);
        var machineUsed = MachineCpu.Take().Since(machine);
        // The round ends when its last row is committed (as the raw writer's rounds), not when this loop noticed: the
        // consumer's own clock in this process; from another process, the last acknowledgement (sent after that commit).
        var lastAcknowledged = _acknowledgements.LastTimestamp;
        var end = _consumer.LastCommitTimestamp ?? lastAcknowledged;
        var elapsed = Stopwatch.GetElapsedTime(started, end);
        if (sampler is not null)
        {
            Console.WriteLine("allocated bytes per record by type (sampled): " + sampler.Report(total));
        }

        var ours = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds + _consumer.OutsideCpuSeconds() - outsideCpu;
        var cores = ours / elapsed.TotalSeconds;
        MeasuredRecords += total;
        var firstWrite = Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT min(created_at) FROM logs WHERE id > $after AND module = 'Producer'";
            command.Parameters.AddWithValue("$after", _roundAfterId);
            return LogTimestamps.Parse((string)command.ExecuteScalar()!);
        });
        var ending = _consumer.LastCommitTimestamp is null
            ? "ended at the last acknowledgement"
            : $"ended at the last commit, the last acknowledgement {Stopwatch.GetElapsedTime(end, lastAcknowledged).TotalMilliseconds:F1} ms later";
        return new PipelineRound(
            total / elapsed.TotalSeconds,
            $"{cores:F2} cores busy in all, the machine {machineUsed.Busy / elapsed.TotalSeconds:F2} (other processes ~{Math.Max(0, machineUsed.Busy - ours) / elapsed.TotalSeconds:F2}, steal {machineUsed.Steal / elapsed.TotalSeconds:F2}), {ending}, first batch written {(firstWrite - startedAt).TotalMilliseconds:F0} ms after the round began; " +
            consumerReport(elapsed, total) +
            $"; producers' process: {JitInfo.GetCompiledMethodCount() - compiled} methods compiled, " +
            $"GC gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}, " +
            $"paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms, {(GC.GetTotalAllocatedBytes() - allocated) / (double)total:F0} B allocated per record, " +
            $"CPU by thread {string.Join(", ", byThread.Take(6).Select(t => $"{t.Name} {t.OnCpu / elapsed.TotalSeconds:P0}"))}" +
            (byThread.FirstOrDefault(t => t.Name == WriterThread) is { Name: not null } writer
                ? $"; writer thread {writer.Shares(elapsed)}"
                : ""));
    }

    /// <summary>
    /// Latency at a steady rate below saturation (at full speed it is only the queue length): <paramref name="rate"/>
    /// records/s in all for <paramref name="duration"/>, each producer on a fixed schedule (its i-th record due at
    /// i / rate; a late thread catches up). Returns the achieved rate and the latencies, sorted.
    /// </summary>
    public async Task<(double Rate, List<double> Latencies, string Detail)> PacedAsync(int rate, TimeSpan duration)
    {
        await SettleAsync();
        var (gcs, paused, startedAt) = (GC.CollectionCount(0), GC.GetTotalPauseDuration(), DateTimeOffset.UtcNow);
        var paced = _providers.Select(provider => new Thread(() =>
        {
            var logger = provider.CreateLogger("AICO.Benchmarks.Paced");
            var interval = TimeSpan.FromSeconds(_providers.Count / (double)rate);
            var clock = Stopwatch.StartNew();
            for (var i = 1; i * interval <= duration; i++)
            {
                while (clock.Elapsed < i * interval)
                {
                    Thread.Sleep(1);
                }

                logger.LogInformation("paced {Number}", i);
            }
        })).ToList();
        var watch = Stopwatch.StartNew();
        // In one process: the writer thread's time per 100 ms, indexing for grep and committing (where a slow second went).
        var samples = new List<(double At, double IndexingMs, long Transactions)>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = _consumer is InProcessLogConsumer inProcess ? SampleWriterAsync(inProcess.Consumer, watch, samples, stopSampling.Token) : Task.CompletedTask;
        paced.ForEach(t => t.Start());
        paced.ForEach(t => t.Join());
        watch.Stop();
        await stopSampling.CancelAsync();
        await sampler;
        foreach (var provider in _providers)
        {
            await provider.FlushAsync(TimeSpan.FromSeconds(30));
        }

        var latencies = Latencies("module = 'Paced'");
        // Where the slow records were: one stall (a few records close together) or spread over the run.
        var slow = Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT timestamp, created_at FROM logs WHERE module = 'Paced' ORDER BY id";
            using var r = command.ExecuteReader();
            var list = new List<(double At, double Latency)>();
            while (r.Read())
            {
                var (at, stored) = (LogTimestamps.Parse(r.GetString(0)), LogTimestamps.Parse(r.GetString(1)));
                if ((stored - at).TotalMilliseconds > SlowPacedMs)
                {
                    list.Add(((at - startedAt).TotalSeconds, (stored - at).TotalMilliseconds));
                }
            }

            return list;
        });
        var detail = $"{slow.Count} records over {SlowPacedMs} ms" +
            (slow.Count == 0 ? "" : $" (the worst {slow.Max(s => s.Latency):F0} ms; logged between {slow.Min(s => s.At):F2} and {slow.Max(s => s.At):F2} s into the run)") +
            $"; producers' process: {GC.CollectionCount(0) - gcs} GCs, paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms" +
            (samples.Count == 0 ? "" : $"; writer indexing for grep per 100 ms: median {samples.Select(s => s.IndexingMs).Order().ElementAt(samples.Count / 2):F0} ms, " +
                $"over 50 ms in {samples.Count(s => s.IndexingMs > 50)} of {samples.Count} (from {samples.Where(s => s.IndexingMs > 50).Select(s => s.At).DefaultIfEmpty().Min():F1} s), " +
                $"transactions per 100 ms: median {samples.Select(s => s.Transactions).Order().ElementAt(samples.Count / 2)}, fewest {samples.Min(s => s.Transactions)}");
        return (latencies.Count / watch.Elapsed.TotalSeconds, latencies, detail);
    }

    private const int SlowPacedMs = 20;

    private static async Task SampleWriterAsync(LogConsumer consumer, Stopwatch watch, List<(double At, double IndexingMs, long Transactions)> samples, CancellationToken stop)
    {
        var (indexing, transactions) = (consumer.IndexingTicks, consumer.Transactions);
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
            var (nowIndexing, nowTransactions) = (consumer.IndexingTicks, consumer.Transactions);
            samples.Add((watch.Elapsed.TotalSeconds, Stopwatch.GetElapsedTime(0, nowIndexing - indexing).TotalMilliseconds, nowTransactions - transactions));
            (indexing, transactions) = (nowIndexing, nowTransactions);
        }
    }

    /// <summary>From the ILogger call (the record's timestamp) to its row being stored (created_at, millisecond resolution).</summary>
    public List<double> Latencies(string where)
    {
        var latencies = Database.Execute(c =>
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

    /// <summary>
    /// The records of the last measured round as the writer got them: in commit order, in batches of consecutive records
    /// of one producer (at most 512), with their own timestamps, texts and extra values; each producer renamed and its
    /// sequences renumbered from 1 (a fresh database's accounting, as for the raw rounds).
    /// </summary>
    public List<LogBatch> LastRoundAsBatches()
    {
        var rows = Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = $"SELECT {LogQuery.ProducerOfRow}, timestamp, level, subsystem, module, message, extra FROM logs WHERE id > $after AND module = 'Producer' ORDER BY id";
            command.Parameters.AddWithValue("$after", _roundAfterId);
            using var r = command.ExecuteReader();
            var list = new List<(string Producer, LogEntry Entry)>();
            while (r.Read())
            {
                LogLevelNames.TryParse(r.GetString(2), out var level);
                list.Add((r.GetString(0), new LogEntry
                {
                    Timestamp = LogTimestamps.Parse(r.GetString(1)),
                    Level = level,
                    Category = r.GetString(3) + "." + r.GetString(4),
                    Message = r.GetString(5),
                    ExtraJson = r.IsDBNull(6) ? null : r.GetString(6),
                }));
            }

            return list;
        });
        var names = new Dictionary<string, (string Name, long Next)>();
        var batches = new List<LogBatch>();
        var current = new List<LogEntry>();
        string? producer = null;
        foreach (var (from, entry) in rows)
        {
            if (from != producer || current.Count == 512)
            {
                Flush();
                producer = from;
            }

            var (name, next) = names.TryGetValue(from, out var known) ? known : ($"replay/{names.Count}", 1L);
            entry.Sequence = next;
            names[from] = (name, next + 1);
            current.Add(entry);
        }

        Flush();
        foreach (var batch in batches)
        {
            _ = batch.Payload; // encoded before any clock starts, as for the raw rounds
        }

        return batches;

        void Flush()
        {
            if (current.Count > 0)
            {
                batches.Add(new LogBatch(names[producer!].Name, current.ToList()));
                current.Clear();
            }
        }
    }

    public long Duplicates() => Database.Execute(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT coalesce(sum(duplicates), 0) FROM log_producers";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    public long Dropped => _providers.Sum(p => p.Buffer.DroppedTotal);

    /// <summary>Every producer logs a round's records on its own thread as fast as it can; returns when all are committed.</summary>
    private async Task FlatOutAsync(string category)
    {
        var expected = _acknowledgements.AcknowledgedRecords + (long)_providers.Count * _perProducer;
        var threads = _providers.Select((provider, p) => new Thread(() =>
        {
            var logger = provider.CreateLogger(category);
            // The raw row's texts ("record 7 of bench-0", {"Number":"7","Producer":"bench-0"}): both rows store the same bytes.
            var name = $"bench-{p}";
            for (var i = 1; i <= _perProducer; i++)
            {
                logger.LogInformation("record {Number} of {Producer}", i, name);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await _acknowledgements.WhenAcknowledged(expected).WaitAsync(TimeSpan.FromMinutes(5));
    }

    /// <summary>
    /// Everything acknowledged, every row indexed for grep, the WAL checkpointed and every file written so far on the
    /// disk (so that no round's fsync pays for the writes of earlier ones), the garbage of earlier work collected.
    /// </summary>
    public async Task SettleAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.FlushAsync(TimeSpan.FromSeconds(30));
        }

        await WaitAsync(() => _consumer.CaughtUp(Database), TimeSpan.FromMinutes(2));
        // RESTART, not TRUNCATE: every frame is copied and the next commit starts the WAL over, but the file keeps its
        // size, as a running consumer's does (and the raw rows' after their warm-up): a truncated WAL would make the
        // round's first commits extend the file and journal its size in their fsyncs, which no consumer pays.
        Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(RESTART)";
            return command.ExecuteNonQuery();
        });
        Collect();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sync")]
    private static extern void SyncFileSystems();

    /// <summary>Garbage collected and every written file on the disk: the state each measured round starts from.</summary>
    public static void Collect()
    {
        SyncFileSystems();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the pipeline did not deliver in time");
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.StopAsync();
            provider.Dispose();
        }

        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _consumer.DisposeAsync();
        _acknowledgements.Dispose();
    }
}

/// <summary>One measured flat-out round of the pipeline and where its time went.</summary>
internal sealed record PipelineRound(double Rate, string WhereTheTimeWent);
