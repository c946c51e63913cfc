using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>
/// The health check Aspire's monitor runs for one service: the service's own verdict (see
/// <see cref="ServiceHealthProbe"/>), answered when it changes. Aspire asks a Healthy resource again only after 30 s,
/// and an unhealthy one after 1, 2, 3, 4, then every 5 s, so a check that answers at once would show a consumer that
/// cannot write as Healthy for half a minute, and a restarted service as Unhealthy seconds after it is ready. This
/// check reads /health (every <see cref="StartingInterval"/> while Unhealthy, so a restarted service is seen ready at
/// once, else every <see cref="Interval"/>) and returns as soon as the status differs from the one it last returned,
/// or after <see cref="HealthyHold"/> (Healthy), <see cref="StartingHold"/> (Unhealthy) or <see cref="UnhealthyHold"/>
/// (Degraded, so the reasons shown stay current).
/// </summary>
/// <param name="currentRun">Identifies the process now running (its start time): what an earlier run was told does not count.</param>
internal sealed class ServiceHealthCheck(ServiceHealthProbe probe, Func<object?> currentRun, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan StartingInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HealthyHold = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan UnhealthyHold = TimeSpan.FromSeconds(5);

    /// <summary>
    /// While Unhealthy (a process starting): once a hold ends unchanged Aspire waits up to 5 s before asking again, and a
    /// start that takes longer than the hold (a loaded machine) would be seen Healthy that much later.
    /// </summary>
    public static readonly TimeSpan StartingHold = TimeSpan.FromSeconds(60);

    private (HealthStatus Status, object? Run)? _lastReturned;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var run = currentRun();
        // A process that just started is Unhealthy until it answers: wait for its first change from that.
        var since = _lastReturned is { } last && Equals(last.Run, run) ? last.Status : HealthStatus.Unhealthy;
        var until = time.GetUtcNow() + since switch
        {
            HealthStatus.Healthy => HealthyHold,
            HealthStatus.Unhealthy => StartingHold,
            _ => UnhealthyHold,
        };
        while (true)
        {
            var result = await probe.ProbeAsync(cancellationToken).ConfigureAwait(false);
            var interval = result.Status == HealthStatus.Unhealthy ? StartingInterval : Interval;
            if (result.Status != since || time.GetUtcNow() + interval >= until)
            {
                _lastReturned = (result.Status, run);
                return result;
            }

            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
