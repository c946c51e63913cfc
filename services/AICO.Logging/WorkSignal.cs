namespace AICO.Logging;

/// <summary>
/// An auto-reset wake-up for the one background worker. <see cref="Set"/> costs a volatile read when the signal is
/// already raised (always, after the first record, while the worker polls with <see cref="PollAsync"/>); only a
/// worker asleep in <see cref="WaitAsync"/> is woken by the caller's thread.
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

    /// <summary>
    /// A short sleep for a worker that looks for work itself afterwards. It leaves a raised signal raised, so callers
    /// meanwhile only read it (no write to a line the worker shares, no wake-up); the next <see cref="WaitAsync"/>
    /// returns at once for a signal raised during the poll, which keeps a record from waiting out a long wait.
    /// </summary>
    public static Task PollAsync(TimeSpan interval, CancellationToken cancellationToken) =>
        Task.Delay(interval, cancellationToken);

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
            Interlocked.CompareExchange(ref _waiter, null, waiter);
            return;
        }

        try
        {
            await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A timed wake-up: the worker re-checks resends and the gate. No Set should complete this waiter later.
            Interlocked.CompareExchange(ref _waiter, null, waiter);
        }

        Interlocked.Exchange(ref _pending, 0);
    }
}
