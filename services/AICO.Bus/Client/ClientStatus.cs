using Microsoft.Extensions.Logging;

namespace AICO.Bus;

/// <summary>
/// The client's connection state and its reason (one log line per change, an awaitable "authenticated"), and the
/// counters every part of the client updates. Diagnostics go to an AICO.Bus logger category (which the bus log provider
/// filters out), else to stderr: the bus never logs into itself.
/// </summary>
internal sealed class ClientStatus(string component, string initialReason, ILogger? logger)
{
    private readonly object _lock = new();
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private TaskCompletionSource _authenticated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BusConnectionState _state = BusConnectionState.Connecting;
    private string _reason = initialReason;
    private long _messagesOut;
    private long _messagesIn;
    private long _dropped;
    private long _denied;

    public event Action<BusConnectionState>? Changed;

    public BusConnectionState State => _state;

    public string Reason => _reason;

    public long MessagesOut => Interlocked.Read(ref _messagesOut);

    public long MessagesIn => Interlocked.Read(ref _messagesIn);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Denied => Interlocked.Read(ref _denied);

    /// <summary>Completes when authenticated; the task of a later wait is a new one after the client lost its session.</summary>
    public Task AuthenticatedTask(out bool already)
    {
        var waiter = _authenticated;
        already = _state == BusConnectionState.Authenticated;
        return waiter.Task;
    }

    public void Sent(int records, int bytes)
    {
        Interlocked.Add(ref _messagesOut, records);
        BusTelemetry.MessagesOut.Add(records, BusTelemetry.Side("client"));
        BusTelemetry.BytesOut.Add(bytes, BusTelemetry.Side("client"));
    }

    public void Received()
    {
        Interlocked.Increment(ref _messagesIn);
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("client"));
    }

    public void CountDrops(int count, string reason)
    {
        Interlocked.Add(ref _dropped, count);
        BusTelemetry.Drops.Add(count, BusTelemetry.Side("client"), BusTelemetry.Reason(reason));
    }

    public void CountDenied() => Interlocked.Increment(ref _denied);

    public void Set(BusConnectionState state, string reason)
    {
        Action<BusConnectionState>? changed;
        lock (_lock)
        {
            _reason = reason;
            if (_state == state || _state == BusConnectionState.Disposed)
            {
                return;
            }

            _state = state;
            if (state == BusConnectionState.Authenticated)
            {
                _authenticated.TrySetResult();
            }
            else if (_authenticated.Task.IsCompleted && state != BusConnectionState.Disposed)
            {
                _authenticated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed = Changed;
        }

        if (state == BusConnectionState.Authenticated)
        {
            Log(LogLevel.Information, $"bus client '{component}': {state}: {reason}");
        }
        else if (state != BusConnectionState.Disposed)
        {
            Log(LogLevel.Warning, $"bus client '{component}': {state}: {reason}");
        }

        try
        {
            changed?.Invoke(state);
        }
        catch (Exception ex)
        {
            Log(LogLevel.Warning, $"bus client '{component}': a StateChanged handler threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    public void Disposed()
    {
        Set(BusConnectionState.Disposed, "disposed");
        _authenticated.TrySetException(new ObjectDisposedException(nameof(BusClient)));
    }

    public void WarnOnce(string key, string message)
    {
        bool first;
        lock (_warned)
        {
            first = _warned.Count < 1000 && _warned.Add(key);
        }

        if (first)
        {
            Warn(message);
        }
    }

    public void Warn(string message) => Log(LogLevel.Warning, $"bus client '{component}': {message}");

    private void Log(LogLevel level, string message)
    {
        if (logger is not null)
        {
            logger.Log(level, "{Message}", message);
        }
        else if (level >= LogLevel.Warning)
        {
            Console.Error.WriteLine("warning: " + message);
        }
    }
}
