using AICO.LogStore;

namespace AICO.LogStore.Tests;

/// <summary>The consumer's retry pipeline on a fake clock: its pauses are measured on the injected TimeProvider, never waited out for real.</summary>
public sealed class LogConsumerRetryTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_failing_attempt_is_repeated_exactly_one_retry_delay_later_on_the_injected_clock_until_it_succeeds()
    {
        var clock = new WatchedClock();
        var start = clock.GetUtcNow();
        var attempts = new List<DateTimeOffset>();
        var failures = new List<string>();
        var retry = new LogConsumerRetry(Delay, clock);

        var waiting = clock.NextTimerAsync(Delay);
        var result = retry.UntilSuccessAsync(
            _ =>
            {
                lock (attempts)
                {
                    attempts.Add(clock.GetUtcNow());
                    return attempts.Count < 3 ? throw new IOException($"failure {attempts.Count}") : ValueTask.FromResult(42);
                }
            },
            ex => failures.Add(ex.Message),
            CancellationToken.None).AsTask();

        for (var retries = 1; retries <= 2; retries++)
        {
            await waiting;
            Assert.Equal(retries, Count(attempts));

            // One tick short of the delay no timer is due: the next attempt cannot have started.
            clock.Advance(Delay - TimeSpan.FromTicks(1));
            Assert.Equal(retries, Count(attempts));

            waiting = clock.NextTimerAsync(Delay);
            clock.Advance(TimeSpan.FromTicks(1));
            await Eventually.TrueAsync(() => Count(attempts) == retries + 1, $"attempt {retries + 1} has run");
        }

        Assert.Equal(42, await result);
        Assert.Equal([start, start + Delay, start + Delay + Delay], attempts);
        Assert.Equal(["failure 1", "failure 2"], failures);
    }

    [Fact]
    public async Task Stopping_during_the_pause_ends_the_retries_with_cancellation_and_makes_no_further_attempt()
    {
        var clock = new WatchedClock();
        var attempts = 0;
        using var stopping = new CancellationTokenSource();
        var retry = new LogConsumerRetry(Delay, clock);

        var waiting = clock.NextTimerAsync(Delay);
        var result = retry.UntilSuccessAsync<int>(_ => throw new IOException($"failure {Interlocked.Increment(ref attempts)}"), _ => { }, stopping.Token).AsTask();
        await waiting;
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result);
        clock.Advance(Delay * 10);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    private static int Count(List<DateTimeOffset> attempts)
    {
        lock (attempts)
        {
            return attempts.Count;
        }
    }
}
