using System.Diagnostics;
using AICO.Bus;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;

namespace AICO.Benchmarks;

/// <summary>
/// The broker and the log consumer of a logging-pipeline: in the benchmark's own process beside the producers
/// (<see cref="InProcessLogConsumer"/>) or as deployed, each its own process (<see cref="DeployedLogConsumer"/>).
/// </summary>
internal interface ILogConsumerUnderTest : IAsyncDisposable
{
    /// <summary>How the table labels this pipeline.</summary>
    string Label { get; }

    /// <summary>Where the producers' bus clients dial the broker.</summary>
    string BusEndpoint { get; }

    /// <summary>Every row written so far is indexed for grep.</summary>
    bool CaughtUp(EncryptedDatabase database);

    /// <summary>When the last transaction committed (Stopwatch timestamp), where this side can tell; else null.</summary>
    long? LastCommitTimestamp { get; }

    /// <summary>
    /// Starts counting the CPU time of the background JIT (tiered compilation) of the broker's and consumer's processes
    /// when they are not this one; the function it returns gives the seconds used since.
    /// </summary>
    Func<double> CountOutsideJit();

    /// <summary>
    /// Starts a measured round; the function it returns is called when the round ended and returns the one that says
    /// where the consumer side's time went in it (from the round's elapsed time and records).
    /// </summary>
    Func<Func<TimeSpan, long, string>> BeginRound();

    /// <summary>CPU seconds used outside this process (the broker's and consumer's processes) so far.</summary>
    double OutsideCpuSeconds();
}

/// <summary>The broker engine and the log consumer in this process (as the benchmark ran until session 7).</summary>
internal sealed class InProcessLogConsumer : ILogConsumerUnderTest
{
    private readonly BrokerEngine _broker;
    private readonly BusClient _client;
    private readonly LogConsumer _consumer;

    public InProcessLogConsumer(KeyDerivation derivation, EncryptedDatabase database, int rowsPerTransaction)
    {
        _broker = BenchmarkBroker.Start(derivation);
        _client = new BusClient(ComponentKeys.Derive(derivation, Components.LogConsumer), new BusClientOptions { Endpoint = _broker.BoundEndpoint });
        _client.Start();
        _consumer = new LogConsumer(_client, database, new LogConsumerOptions { MaxRowsPerTransaction = rowsPerTransaction });
        _consumer.Start();
    }

    public string Label => "in one process: producers, broker and consumer";

    public string BusEndpoint => _broker.BoundEndpoint;

    public bool CaughtUp(EncryptedDatabase database) => _consumer.Indexing.CaughtUp;

    public long? LastCommitTimestamp => _consumer.LastCommitTimestamp;

    internal LogConsumer Consumer => _consumer;

    public Func<double> CountOutsideJit() => () => 0;

    public double OutsideCpuSeconds() => 0;

    public Func<Func<TimeSpan, long, string>> BeginRound()
    {
        var (transactions, writing, replying, indexing, waiting, indexed) =
            (_consumer.Transactions, _consumer.WritingTicks, _consumer.ReplyingTicks, _consumer.IndexingTicks, _consumer.WaitingTicks, _consumer.Indexing.Indexer.IndexedRows);
        // The writer's wait for this round's first batch counts from the round's start only.
        var started = Stopwatch.GetTimestamp();
        var waitingBefore = _consumer.WaitingSince is var since and > 0 ? started - since : 0;
        return () =>
        {
            var (transactionsDone, written, replied, indexedTicks, waited, indexedRows) = (_consumer.Transactions - transactions, _consumer.WritingTicks - writing, _consumer.ReplyingTicks - replying,
                _consumer.IndexingTicks - indexing, _consumer.WaitingTicks - waiting - waitingBefore, _consumer.Indexing.Indexer.IndexedRows - indexed);
            return (elapsed, total) =>
            {
                double Share(long ticks) => Stopwatch.GetElapsedTime(0, ticks) / elapsed;
                return $"{total / (double)Math.Max(1, transactionsDone):N0} rows per transaction, writer committing {Share(written):P0}, replying {Share(replied):P1}, " +
                    $"indexing {Share(indexedTicks):P1} ({indexedRows:N0} rows), waiting for batches {Share(waited):P1}";
            };
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _consumer.DisposeAsync();
        await _client.DisposeAsync();
        await _broker.DisposeAsync();
    }
}

/// <summary>
/// The pipeline as deployed: the broker (AICO.Broker) and the log consumer (AICO.LogConsumer) each as its own process,
/// started as the AppHost or a user starts them (`dotnet AICO.X.dll`, production settings and runtimeconfig: Server GC),
/// keys from the installation's key store, the consumer's settings at their defaults. Both log into the pipeline
/// themselves, as in production.
/// </summary>
internal sealed class DeployedLogConsumer : ILogConsumerUnderTest
{
    private const string JitThread = ".NET Tiered Com";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ServiceHostProcess _broker;
    private readonly ServiceHostProcess _consumer;

    private DeployedLogConsumer(ServiceHostProcess broker, ServiceHostProcess consumer, string endpoint)
    {
        _broker = broker;
        _consumer = consumer;
        BusEndpoint = endpoint;
    }

    public string Label => "as deployed: broker and consumer processes";

    public string BusEndpoint { get; }

    public long? LastCommitTimestamp => null;

    public static async Task<DeployedLogConsumer> StartAsync(AicoPaths paths)
    {
        // The broker's own bus client dials Bus:Endpoint, so the port is chosen here (free now), not left to the broker.
        var endpoint = $"tcp://127.0.0.1:{FreeLoopbackPort()}";
        var environment = new Dictionary<string, string>
        {
            [AicoPaths.DataDirVariable] = paths.DataDirectory,
            [AicoPaths.RuntimeDirVariable] = paths.RuntimeDirectory,
            ["Bus__Endpoint"] = endpoint,
        };
        var broker = ServiceHostProcess.Start("AICO.Broker", environment);
        ServiceHostProcess? consumer = null;
        try
        {
            await broker.WaitForOutputAsync($"serving on {endpoint}", StartTimeout);
            consumer = ServiceHostProcess.Start("AICO.LogConsumer", environment);
            await consumer.WaitForOutputAsync("log consumer subscribed to logs/", StartTimeout);
            return new DeployedLogConsumer(broker, consumer, endpoint);
        }
        catch
        {
            if (consumer is not null)
            {
                await consumer.DisposeAsync();
            }

            await broker.DisposeAsync();
            throw;
        }
    }

    public bool CaughtUp(EncryptedDatabase database) => database.Execute(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT (SELECT watermark FROM log_search_state WHERE id = 1) >= (SELECT coalesce(max(id), 0) FROM logs)";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    });

    public Func<double> CountOutsideJit()
    {
        var before = new[] { _broker, _consumer }.Select(p => (Process: p, Threads: ThreadCpuTimes.Take(p.Pid))).ToList();
        return () => before.Sum(b => ThreadCpuTimes.Take(b.Process.Pid).Detailed(b.Threads).Where(t => t.Name == JitThread).Sum(t => t.OnCpu));
    }

    public double OutsideCpuSeconds() => _broker.CpuSeconds() + _consumer.CpuSeconds();

    public Func<Func<TimeSpan, long, string>> BeginRound()
    {
        Alive();
        var consumerThreads = ThreadCpuTimes.Take(_consumer.Pid);
        var (consumerCpu, brokerCpu) = (_consumer.CpuSeconds(), _broker.CpuSeconds());
        return () =>
        {
            // Taken as soon as the round ended: after its last commit the writer indexes the new rows for grep.
            var threads = ThreadCpuTimes.Take(_consumer.Pid).Detailed(consumerThreads);
            var (consumerUsed, brokerUsed) = (_consumer.CpuSeconds() - consumerCpu, _broker.CpuSeconds() - brokerCpu);
            return (elapsed, _) => Report(threads, consumerUsed, brokerUsed, elapsed);
        };
    }

    private string Report(IReadOnlyList<ThreadTimes> threads, double consumerUsed, double brokerUsed, TimeSpan elapsed)
    {
        Alive();
        var writer = threads.FirstOrDefault(t => t.Name == LogPipelineUnderTest.WriterThread);
        var gc = threads.Where(t => t.Name.StartsWith(".NET Server GC", StringComparison.Ordinal) || t.Name == ".NET BGC").Sum(t => t.OnCpu);
        var jit = threads.Where(t => t.Name == JitThread).Sum(t => t.OnCpu);
        double Share(double seconds) => seconds / elapsed.TotalSeconds;
        // Neither on a core nor waiting for one: blocked (a wait for batches, an fsync, a GC).
        return $"consumer process (pid {_consumer.Pid}) {Share(consumerUsed):F2} cores, writer thread {writer.Shares(elapsed)}, " +
            $"its GC threads {Share(gc):P1}, its background JIT {jit * 1000:F0} ms, " +
            $"CPU by thread {string.Join(", ", threads.Take(6).Select(t => $"{t.Name} {Share(t.OnCpu):P0}"))}; broker process {Share(brokerUsed):F2} cores";
    }

    public async ValueTask DisposeAsync()
    {
        await _consumer.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private void Alive()
    {
        foreach (var process in new[] { _broker, _consumer })
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Project} (pid {process.Pid}) exited; output:\n{process.Output}");
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
