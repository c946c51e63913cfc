namespace AICO.Logging;

/// <summary>
/// An auto-reset wake-up for the one background worker. <see cref="Set"/> costs a volatile read when the worker
/// is already due to wake, so the logging hot path stays cheap.
/// </summary>
internal sealed class WorkSignal
{
    private TaskCompletionSource? _waiter;
    private int _pending;

    public void Set()
    {
        if (Volatile.Read(ref _pending) == 1)
        {
            return;
        }

        Interlocked.Exchange(ref _pending, 1);
        Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
    }

    /// <summary>Completes when <see cref="Set"/> was called since the last wait returned, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            return;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiter, waiter);
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            return;
        }

        try
        {
            await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A timed wake-up: the worker re-checks resends and the gate.
        }

        Interlocked.Exchange(ref _pending, 0);
    }
}
