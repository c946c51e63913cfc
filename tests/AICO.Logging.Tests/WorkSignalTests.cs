using AICO.Logging;

namespace AICO.Logging.Tests;

public class WorkSignalTests
{
    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_signal_raised_while_the_worker_polls_makes_its_next_wait_return_at_once()
    {
        var signal = new WorkSignal();
        var poll = WorkSignal.PollAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        signal.Set();
        await poll;

        Assert.True(signal.WaitAsync(Forever, CancellationToken.None).IsCompleted, "a record logged during the poll waits for no timeout");
        Assert.False(signal.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None).IsCompleted, "the signal is consumed by that wait");
    }

    [Fact]
    public async Task A_signal_after_a_timed_out_wait_wakes_the_next_wait_and_not_the_old_one()
    {
        var signal = new WorkSignal();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None);

        var next = signal.WaitAsync(Forever, CancellationToken.None);
        Assert.False(next.IsCompleted);
        signal.Set();
        await next.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
