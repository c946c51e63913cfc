using System.Collections.Concurrent;
using AICO.Bus;
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
            () => Gate?.IsOpen == true ? 1 : 0);
    }

    /// <summary>This process's producer id: component and an instance id that is stable for the process lifetime.</summary>
    public string? Producer => Shipper?.Producer;

    internal LogBuffer Buffer { get; }

    internal IExternalScopeProvider ScopeProvider { get; private set; } = new LoggerExternalScopeProvider();

    internal bool Accepting => _accepting;

    internal FlushGate? Gate { get; private set; }

    internal LogShipper? Shipper { get; private set; }

    internal DeliveryWindow? Window => _window;

    internal long ReentrantCalls;

    /// <summary>Categories of the bus and the logging pipeline itself: never sent through the bus logger.</summary>
    public static bool IsInfrastructureCategory(string category) =>
        Array.Exists(InfrastructurePrefixes, p => category.StartsWith(p, StringComparison.Ordinal)
            && (category.Length == p.Length || category[p.Length] == '.'));

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new BusLogger(c, this));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => ScopeProvider = scopeProvider;

    /// <summary>Attaches the bus client: the gate starts watching it and the worker starts shipping.</summary>
    public void Start(IBusClient bus)
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
        Shipper = new LogShipper(bus, producer, Buffer, Gate, _window, _signal, _options, _metrics, _time);
        var token = _stopping.Token;
        // The workers must not inherit the caller's Activity: shipping logs belongs to no trace.
        using (ExecutionContext.SuppressFlow())
        {
            _running = Task.WhenAll(
                Task.Run(() => Gate.RunAsync(token), CancellationToken.None),
                Task.Run(() => Shipper.RunAsync(token), CancellationToken.None));
        }
    }

    /// <summary>The provider cannot work in this process: say so once and stop collecting records.</summary>
    public void Disable(string reason)
    {
        _accepting = false;
        Buffer.Clear();
        LoggingDiagnostics.Write($"warning: bus logging is disabled: {reason}. This process logs to the console only.");
    }

    /// <summary>Waits until every buffered record is acknowledged by the consumer; false on timeout.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (Shipper is null || !_accepting)
        {
            return false;
        }

        var deadline = _time.GetUtcNow() + timeout;
        while (!Shipper.Idle)
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
