using AICO.Bus;
using AICO.Security;

namespace AICO.Logging;

/// <summary>
/// The two-phase gate in front of the buffer: open only while (1) this process's bus client is authenticated AND
/// (2) the broker reports a logconsumer client subscribed to <c>logs/</c> (the consumer subscribes only once it is
/// ready, so the broker's confirmation is its readiness). Re-evaluated on every bus state change, on every
/// delivery failure, and by polling the broker status; when a condition stops holding the gate closes again and
/// records stay in the buffer.
/// </summary>
internal sealed class FlushGate(IBusClient bus, BusLoggingOptions options, WorkSignal onChange)
{
    private readonly SemaphoreSlim _recheck = new(0, 1);
    private volatile bool _open;

    public bool IsOpen => _open;

    /// <summary>Why the gate is closed (or "open"), for diagnostics.</summary>
    public string Reason { get; private set; } = "not evaluated yet";

    public event Action<bool, string>? Changed;

    /// <summary>Asks for an immediate re-evaluation (e.g. a batch went unacknowledged).</summary>
    public void Recheck()
    {
        if (_recheck.CurrentCount == 0)
        {
            try
            {
                _recheck.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        void OnStateChanged(BusConnectionState state) => Recheck();
        bus.StateChanged += OnStateChanged;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (open, reason) = await EvaluateAsync(cancellationToken).ConfigureAwait(false);
                Set(open, reason);
                await _recheck.WaitAsync(open ? options.OpenGatePollInterval : options.ClosedGatePollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            bus.StateChanged -= OnStateChanged;
            Set(false, "stopped");
        }
    }

    private async Task<(bool Open, string Reason)> EvaluateAsync(CancellationToken cancellationToken)
    {
        if (bus.State != BusConnectionState.Authenticated)
        {
            return (false, $"bus client is {bus.State}: {bus.StatusReason}");
        }

        try
        {
            Task<BrokerStatus> request;
            var entered = ReentrancyGuard.TryEnter();
            try
            {
                request = bus.GetBrokerStatusAsync(cancellationToken);
            }
            finally
            {
                if (entered)
                {
                    ReentrancyGuard.Exit();
                }
            }

            var status = await request.WaitAsync(options.AckTimeout, cancellationToken).ConfigureAwait(false);
            return LogTopics.ConsumerSubscribed(status)
                ? (true, "open")
                : (false, $"no {Components.LogConsumer} is subscribed to {LogTopics.Prefix} at the broker");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (false, $"broker status unavailable: {ex.Message}");
        }
    }

    private void Set(bool open, string reason)
    {
        var changed = open != _open;
        Reason = reason;
        _open = open;
        if (changed)
        {
            Changed?.Invoke(open, reason);
            onChange.Set();
        }
    }
}
