namespace AICO.IntegrationTests;

/// <summary>The AppHost's restart rules on their own (no app started): what is restarted, when, and when it gives up.</summary>
public class RestartPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_killed_process_is_restarted_after_one_second_then_the_delay_doubles_up_to_thirty_seconds()
    {
        var policy = new RestartPolicy(new SupervisionOptions { MaxRestarts = 100, Window = TimeSpan.FromMinutes(30) });
        var delays = new List<double>();
        var now = T0;
        for (var i = 0; i < 8; i++)
        {
            var decision = policy.OnExit(now, 137, stopRequested: false, ranFor: TimeSpan.FromSeconds(2));
            Assert.True(decision.Restart, decision.Reason);
            delays.Add(decision.Delay.TotalSeconds);
            now += decision.Delay + TimeSpan.FromSeconds(2);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
        Assert.Contains("exit code 137 (SIGKILL)", policy.OnExit(now, 137, false, TimeSpan.FromSeconds(1)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stop_the_user_asked_for_and_a_clean_exit_are_never_undone()
    {
        var policy = new RestartPolicy(new SupervisionOptions());

        var stopped = policy.OnExit(T0, 143, stopRequested: true, ranFor: TimeSpan.FromMinutes(5));
        var clean = policy.OnExit(T0, 0, stopRequested: false, ranFor: TimeSpan.FromMinutes(5));

        Assert.False(stopped.Restart);
        Assert.Contains("stopped on request", stopped.Reason, StringComparison.Ordinal);
        Assert.False(clean.Restart);
        Assert.Equal(0, policy.TotalRestarts);
    }

    [Fact]
    public void A_crash_loop_stops_after_the_cap_within_the_window_and_stays_down_with_the_reason()
    {
        var policy = new RestartPolicy(new SupervisionOptions { MaxRestarts = 3, Window = TimeSpan.FromMinutes(5) });
        var now = T0;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(policy.OnExit(now, 1, false, TimeSpan.FromSeconds(1)).Restart);
            now += TimeSpan.FromSeconds(10);
        }

        var fourth = policy.OnExit(now, 1, false, TimeSpan.FromSeconds(1));

        Assert.False(fourth.Restart);
        Assert.True(policy.GaveUp);
        Assert.Contains("crashed 4 times within 5 min", fourth.Reason, StringComparison.Ordinal);
        Assert.Contains("exit code 1", fourth.Reason, StringComparison.Ordinal);

        // Started by hand after the fix: the count starts again.
        policy.Reset();
        Assert.True(policy.OnExit(now, 1, false, TimeSpan.FromSeconds(1)).Restart);
    }

    [Fact]
    public void Crashes_spread_wider_than_the_window_never_hit_the_cap_and_a_stable_run_resets_the_backoff()
    {
        var policy = new RestartPolicy(new SupervisionOptions { MaxRestarts = 3, Window = TimeSpan.FromMinutes(5), StableAfter = TimeSpan.FromMinutes(1) });
        var now = T0;
        for (var i = 0; i < 10; i++)
        {
            var decision = policy.OnExit(now, 139, false, ranFor: TimeSpan.FromMinutes(3));
            Assert.True(decision.Restart, decision.Reason);
            Assert.Equal(TimeSpan.FromSeconds(1), decision.Delay);
            now += TimeSpan.FromMinutes(3);
        }
    }

    [Fact]
    public void A_process_that_never_started_counts_as_a_failure_and_backs_off()
    {
        var policy = new RestartPolicy(new SupervisionOptions());

        var first = policy.OnExit(T0, null, false, ranFor: null);
        var second = policy.OnExit(T0.AddSeconds(2), null, false, ranFor: null);

        Assert.True(first.Restart);
        Assert.Contains("failed to start", first.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), second.Delay);
    }
}
