using Microsoft.Extensions.Time.Testing;

namespace AICO.LogStore.Tests;

/// <summary>
/// A fake clock that also tells when someone starts waiting on it: a retry that has begun its pause is the signal to
/// move time on, so no test sleeps to guess when the code under test reached its wait.
/// </summary>
internal sealed class WatchedClock : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Created)> _watches = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            foreach (var watch in _watches.Where(w => w.DueTime == dueTime).ToList())
            {
                watch.Created.TrySetResult();
                _watches.Remove(watch);
            }
        }

        return timer;
    }

    /// <summary>
    /// Completes when the next timer due after <paramref name="dueTime"/> is created; call it before whatever makes
    /// the code under test start waiting. Fails after a minute (the code never waited on this clock).
    /// </summary>
    public Task NextTimerAsync(TimeSpan dueTime)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _watches.Add((dueTime, created));
        }

        return created.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
