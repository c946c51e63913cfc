using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace AICO.IntegrationTests;

/// <summary>
/// What the dashboard shows of the log consumer (the app model's resource notifications, which the dashboard
/// displays), driven through the dashboard's own commands on the shared app. Each test leaves the consumer Healthy.
/// </summary>
[Collection(AicoAppCollection.Name)]
public class DashboardHealthTests(AicoAppFixture fixture, ITestOutputHelper output)
{
    private const string Consumer = "logconsumer";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_log_consumer_given_a_database_key_that_does_not_open_the_database_shows_Degraded_with_the_reason_and_is_not_restarted()
    {
        using var timeout = new CancellationTokenSource(Limit);
        var before = await HealthyAsync(timeout.Token);
        try
        {
            fixture.LogConsumerDatabaseKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
            await ExecuteAsync(KnownResourceCommands.RestartCommand, timeout.Token);
            var running = await Notifications.WaitForResourceAsync(Consumer, e => IsRunningOtherThan(e.Snapshot, Pid(before)), timeout.Token);
            var clock = Stopwatch.StartNew();
            var degraded = await Notifications.WaitForResourceAsync(Consumer,
                e => Pid(e.Snapshot) == Pid(running.Snapshot) && e.Snapshot.HealthStatus == HealthStatus.Degraded, timeout.Token);
            output.WriteLine($"Running to Degraded in the dashboard: {clock.Elapsed.TotalSeconds:0.0} s");

            var report = Assert.Single(degraded.Snapshot.HealthReports);
            Assert.Equal(HealthStatus.Degraded, report.Status);
            Assert.Contains("logconsumer Degraded", report.Description, StringComparison.Ordinal);
            Assert.Contains("database key does not match", report.Description, StringComparison.Ordinal);

            // Degraded is not a crash: the next report (Aspire asks again) finds the same process, never restarted.
            var reported = report.LastRunAt;
            var later = await Notifications.WaitForResourceAsync(Consumer,
                e => e.Snapshot.HealthReports.Any(r => r.LastRunAt > reported) || Pid(e.Snapshot) != Pid(running.Snapshot), timeout.Token);
            Assert.Equal(Pid(running.Snapshot), Pid(later.Snapshot));
            Assert.Equal(KnownResourceStates.Running, later.Snapshot.State?.Text);
            Assert.Equal(HealthStatus.Degraded, later.Snapshot.HealthStatus);
            Assert.Equal(Property(before, ResourceSupervisor.RestartsProperty), Property(later.Snapshot, ResourceSupervisor.RestartsProperty));
        }
        finally
        {
            fixture.LogConsumerDatabaseKey = null;
            await ExecuteAsync(KnownResourceCommands.RestartCommand, CancellationToken.None);
            using var restore = new CancellationTokenSource(Limit);
            await HealthyAsync(restore.Token);
        }
    }

    [Fact]
    public async Task A_stop_asked_for_in_the_dashboard_is_not_undone_and_the_health_probe_meets_the_stopped_service_at_its_own_port_not_at_the_proxy()
    {
        using var timeout = new CancellationTokenSource(Limit);
        var before = await HealthyAsync(timeout.Token);
        try
        {
            // The probe the AppHost's health check uses reaches the running service at its own port, not the proxy's.
            var endpoint = ((IResourceWithEndpoints)Resource).GetEndpoint("http");
            var probe = ServiceHealthProbe.For((IResourceWithEndpoints)Resource, "http", Notifications);
            var own = probe.Address();
            Assert.NotEqual(endpoint.Port, own.Port);
            Assert.Equal(HealthStatus.Healthy, (await probe.ProbeAsync(timeout.Token)).Status);

            await ExecuteAsync(KnownResourceCommands.StopCommand, timeout.Token);
            var stopped = await Notifications.WaitForResourceAsync(Consumer,
                e => Property(e.Snapshot, ResourceSupervisor.LastDecisionProperty) is { } last && last.StartsWith("stopped on request", StringComparison.Ordinal), timeout.Token);
            Assert.Equal("stopped on request; not restarted", Property(stopped.Snapshot, ResourceSupervisor.LastDecisionProperty));
            Assert.Contains(stopped.Snapshot.State?.Text, KnownResourceStates.TerminalStates);
            Assert.Equal(Property(before, ResourceSupervisor.RestartsProperty), Property(stopped.Snapshot, ResourceSupervisor.RestartsProperty));

            // Against the stopped service: refused at once at its own port. Through Aspire's proxy the same request
            // is held until the client gives up (3 s for the probe), which hid for seconds that a service was back.
            var clock = Stopwatch.StartNew();
            var probed = await probe.ProbeAsync(timeout.Token);
            var probeTime = clock.Elapsed;
            var proxied = await ThroughTheProxyAsync(endpoint.Url, timeout.Token);
            output.WriteLine($"probe at the service's own {own}: {probeTime.TotalMilliseconds:0} ms, {probed.Description}; through the proxy {endpoint.Url}: {proxied}");

            Assert.Equal(HealthStatus.Unhealthy, probed.Status);
            Assert.Contains($":{own.Port})", probed.Description, StringComparison.Ordinal);
            Assert.Contains("refused", probed.Description, StringComparison.OrdinalIgnoreCase);
            Assert.True(probeTime < TimeSpan.FromSeconds(2), $"the probe took {probeTime.TotalSeconds:0.0} s: {probed.Description}");
        }
        finally
        {
            await ExecuteAsync(KnownResourceCommands.StartCommand, CancellationToken.None);
            using var restore = new CancellationTokenSource(Limit);
            await HealthyAsync(restore.Token);
        }
    }

    /// <summary>What a client of Aspire's proxy sees while the service is stopped (for the record, not asserted: it is Aspire's behaviour).</summary>
    private static async Task<string> ThroughTheProxyAsync(string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(url), "/health"), cancellationToken);
            return $"HTTP {(int)response.StatusCode} after {clock.Elapsed.TotalMilliseconds:0} ms";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"{ex.GetType().Name} after {clock.Elapsed.TotalMilliseconds:0} ms: {ex.Message}";
        }
    }

    private IResource Resource => fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == Consumer);

    private ResourceNotificationService Notifications => fixture.App.ResourceNotifications;

    private async Task<CustomResourceSnapshot> HealthyAsync(CancellationToken cancellationToken) =>
        (await Notifications.WaitForResourceAsync(Consumer,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, cancellationToken)).Snapshot;

    private async Task ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        var result = await fixture.App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(Resource, command, cancellationToken);
        Assert.True(result.Success, $"{command}: {result.Message}");
    }

    private static bool IsRunningOtherThan(CustomResourceSnapshot snapshot, int? pid) =>
        snapshot.State?.Text == KnownResourceStates.Running && Pid(snapshot) is { } now && now != pid;

    private static string? Property(CustomResourceSnapshot snapshot, string name) => ResourceSnapshots.Property(snapshot, name);


    private static int? Pid(CustomResourceSnapshot snapshot) => ResourceSnapshots.Pid(snapshot);
}
