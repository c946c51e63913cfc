using System.Collections.Concurrent;
using AICO.Bus;
using AICO.Logging.Pipeline;
using AICO.Logging.Spool;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// The ILoggerProvider that sends this process's log records over the bus to the log consumer. It buffers from the
/// moment it exists; <see cref="Start"/> attaches the bus client and starts the gate and the worker.
/// </summary>
[ProviderAlias("AicoBus")]
public sealed class BusLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private static readonly string[] InfrastructurePrefixes = ["AICO.Bus", "AICO.Logging", "AICO.LogStore"];

    private readonly ConcurrentDictionary<string, BusLogger> _loggers = new(StringComparer.Ordinal);
    private readonly BusLoggingOptions _options;
    private readonly TimeProvider _time;
    private readonly WorkSignal _signal = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly LoggingMetrics _metrics;
    private volatile bool _accepting = true;
    private DeliveryWindow? _window;
    private SpoolStage? _spool;
    private AdoptedSpoolDrainer? _adopted;
    private string? _stateDirectory;
    private Task _running = Task.CompletedTask;

    public BusLoggerProvider(BusLoggingOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        Buffer = new LogBuffer(options.BufferCapacity, _signal);
        _metrics = new LoggingMetrics(
            () => Buffer.Count,
            () => _window?.RecordCount ?? 0,
            () => Buffer.DroppedTotal,
            () => Gate?.IsOpen == true ? 1 : 0,
            () => SpooledRecords,
            () => SpoolBytes,
            () => OldestSpooled is { } oldest ? Math.Max(0, (_time.GetUtcNow() - oldest).TotalSeconds) : 0);
    }

    /// <summary>This process's producer id: component and an instance id that is stable for the process lifetime.</summary>
    public string? Producer => Shipper?.Producer;

    internal LogBuffer Buffer { get; }

    internal IExternalScopeProvider ScopeProvider { get; private set; } = new LoggerExternalScopeProvider();

    internal bool Accepting => _accepting;

    internal FlushGate? Gate { get; private set; }

    internal LogShipper? Shipper { get; private set; }

    internal DeliveryWindow? Window => _window;

    internal SpoolStage? Spool => _spool;

    internal long ReentrantCalls;

    /// <summary>Categories of the bus and the logging pipeline itself: never sent through the bus logger.</summary>
    public static bool IsInfrastructureCategory(string category) =>
        Array.Exists(InfrastructurePrefixes, p => category.StartsWith(p, StringComparison.Ordinal)
            && (category.Length == p.Length || category[p.Length] == '.'));

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new BusLogger(c, this));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => ScopeProvider = scopeProvider;

    /// <summary>
    /// Attaches the bus client: the gate starts watching it and the worker starts shipping. With a runtime directory
    /// the producer reports its state there; with a spool key too, records that wait out a long consumer outage
    /// go to an encrypted spool there instead of being dropped from memory.
    /// </summary>
    public void Start(IBusClient bus, string? runtimeDirectory = null, byte[]? spoolKey = null)
    {
        if (Shipper is not null)
        {
            throw new InvalidOperationException("The bus logger is already started.");
        }

        var producer = $"{bus.Instance}/{Guid.NewGuid().ToString("N")[..12]}";
        _window = new DeliveryWindow(_options.MaxUnacknowledgedBatches);
        Gate = new FlushGate(bus, _options, _signal);
        Gate.Changed += (open, reason) => LoggingDiagnostics.Write(open
            ? $"{producer}: log consumer is subscribed; sending {Buffer.Count} buffered records"
            : $"{producer}: log records are buffered ({reason})");
        if (runtimeDirectory is not null)
        {
            PipelineStateFiles.PruneGone(runtimeDirectory);
            _stateDirectory = PipelineStateFiles.ProducerDirectory(runtimeDirectory, producer);
            _spool = OpenSpool(producer, _stateDirectory, spoolKey);
            if (_spool is not null && AdoptedSpool.AdoptOrphans(runtimeDirectory, bus.Instance, _stateDirectory, spoolKey!) is { Count: > 0 } orphans)
            {
                _adopted = new AdoptedSpoolDrainer(bus, Gate, orphans, _options, _time, producer);
            }
        }

        Shipper = new LogShipper(bus, producer, Buffer, Gate, _window, _signal, _options, _metrics, _time, _spool);
        var token = _stopping.Token;
        // The workers must not inherit the caller's Activity: shipping logs belongs to no trace.
        using (ExecutionContext.SuppressFlow())
        {
            var tasks = new List<Task>
            {
                Task.Run(() => Gate.RunAsync(token), CancellationToken.None),
                Task.Run(() => Shipper.RunAsync(token), CancellationToken.None),
            };
            if (_adopted is { } adopted)
            {
                tasks.Add(Task.Run(() => adopted.RunAsync(token), CancellationToken.None));
            }

            if (_stateDirectory is { } directory)
            {
                var reporter = new PipelineStateReporter(directory, State, _time);
                tasks.Add(Task.Run(() => reporter.RunAsync(token), CancellationToken.None));
            }

            _running = Task.WhenAll(tasks);
        }
    }

    /// <summary>Where this producer's records are right now.</summary>
    public ProducerPipelineState State()
    {
        var oldestSpooled = OldestSpooled;
        var oldest = Earliest(Buffer.OldestTimestamp, _window?.OldestTimestamp, oldestSpooled);
        return new ProducerPipelineState
        {
            Producer = Producer ?? "",
            ProcessId = Environment.ProcessId,
            UpdatedAt = _time.GetUtcNow(),
            GateOpen = Gate?.IsOpen == true,
            GateReason = Gate?.Reason ?? "not started",
            BufferedRecords = Buffer.Count,
            UnacknowledgedRecords = _window?.RecordCount ?? 0,
            SpooledRecords = SpooledRecords,
            SpoolBytes = SpoolBytes,
            OldestSpooled = oldestSpooled,
            DroppedRecords = Buffer.DroppedTotal,
            OldestUnacknowledged = oldest,
        };
    }

    /// <summary>Records waiting on disk: in this producer's spool (and its held batch) and in spools it adopted.</summary>
    internal long SpooledRecords => (_spool?.Spool.UnreadRecords ?? 0) + (_spool?.HeldRecords ?? 0) + (_adopted?.Records ?? 0);

    internal long SpoolBytes => (_spool?.Spool.Bytes ?? 0) + (_adopted?.Bytes ?? 0);

    internal DateTimeOffset? OldestSpooled => Earliest(_spool?.Spool.OldestUnread, _spool?.HeldOldest, _adopted?.Oldest);

    private static DateTimeOffset? Earliest(params DateTimeOffset?[] candidates) => candidates.Where(c => c is not null).Min();

    private SpoolStage? OpenSpool(string producer, string directory, byte[]? key)
    {
        if (_options.SpoolMaxBytes == 0)
        {
            return null;
        }

        if (key is null)
        {
            LoggingDiagnostics.Write($"warning: {producer}: no log spool key is configured; records wait in memory only ({Buffer.Capacity} records)");
            return null;
        }

        try
        {
            return new SpoolStage(new LogSpool(directory, key, _options.SpoolMaxBytes, _options.SpoolSegmentBytes), _options, _time, producer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LoggingDiagnostics.Write($"warning: {producer}: log spool unavailable in {directory} ({ex.Message}); records wait in memory only");
            return null;
        }
    }

    /// <summary>The provider cannot work in this process: say so once and stop collecting records.</summary>
    public void Disable(string reason)
    {
        _accepting = false;
        Buffer.Clear();
        LoggingDiagnostics.Write($"warning: bus logging is disabled: {reason}. This process logs to the console only.");
    }

    /// <summary>Waits until every buffered record (and every record of an adopted spool) is acknowledged by the consumer; false on timeout.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (Shipper is null || !_accepting)
        {
            return false;
        }

        var deadline = _time.GetUtcNow() + timeout;
        while (!Shipper.Idle || _adopted is { Done: false })
        {
            if (_time.GetUtcNow() >= deadline)
            {
                return false;
            }

            _signal.Set();
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        if (_stateDirectory is { } directory)
        {
            FinishState(directory);
        }
    }

    /// <summary>A clean stop removes the state file, unless records still wait in the spool (then it says so).</summary>
    private void FinishState(string directory)
    {
        var spool = _spool;
        try
        {
            spool?.Release(_window?.AcknowledgedSequence ?? 0);
            if (spool is null || spool.IsEmpty)
            {
                PipelineStateFiles.Delete(directory);
            }
            else
            {
                PipelineStateFiles.Write(directory, State());
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        spool?.Spool.Dispose();
        if (spool is null)
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _metrics.Dispose();
    }

    internal void CountReentrant()
    {
        Interlocked.Increment(ref ReentrantCalls);
        _metrics.Reentrant.Add(1);
    }
}
