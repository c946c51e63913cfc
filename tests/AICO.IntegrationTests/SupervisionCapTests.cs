using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace AICO.IntegrationTests;

/// <summary>
/// The supervisor against a process that keeps crashing (its service process killed with SIGKILL as soon as it runs):
/// restarts with a counter in the console log and the dashboard, then the cap, then down with the reason until
/// someone starts it. Leaves the resource Healthy (started by hand, which also resets the count).
/// </summary>
[Collection(AicoAppCollection.Name)]
public class SupervisionCapTests(AicoAppFixture fixture, ITestOutputHelper output)
{
    private const string Crashing = "modelservice";

    [Fact]
    public async Task A_process_that_keeps_crashing_is_restarted_with_a_logged_counter_until_the_cap_then_stays_down_with_the_reason_until_started_by_hand()
    {
        var app = fixture.App;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var console = new List<string>();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var watch = CollectConsoleAsync(console, watching.Token);
        try
        {
            var current = (await app.ResourceNotifications.WaitForResourceHealthyAsync(Crashing, timeout.Token)).Snapshot;
            var decisions = new List<string>();
            // The kill test may already have used a restart of this resource in the window: at most MaxRestarts + 1 kills.
            for (var kill = 1; kill <= AicoAppFixture.MaxRestarts + 1; kill++)
            {
                var wrapper = ResourceSnapshots.Pid(current);
                int? service = null;
                await Eventually.TrueAsync(() => (service = ResourceSnapshots.ServiceProcessUnder(wrapper)) is not null, $"{Crashing}'s service process runs", TimeSpan.FromSeconds(60));
                var before = Last(current);
                Process.GetProcessById(service!.Value).Kill();

                var decided = (await app.ResourceNotifications.WaitForResourceAsync(Crashing, e => Last(e.Snapshot) is { } last && last != before, timeout.Token)).Snapshot;
                decisions.Add(Last(decided)!);
                output.WriteLine($"kill {kill}: {decisions[^1]}");
                if (decisions[^1].StartsWith("gave up", StringComparison.Ordinal))
                {
                    break;
                }

                current = (await app.ResourceNotifications.WaitForResourceAsync(Crashing,
                    e => e.Snapshot.State?.Text == KnownResourceStates.Running && ResourceSnapshots.Pid(e.Snapshot) is { } pid && pid != wrapper, timeout.Token)).Snapshot;
            }

            var gaveUp = decisions[^1];
            Assert.StartsWith("gave up: exit code 137 (SIGKILL)", gaveUp, StringComparison.Ordinal);
            Assert.Contains($"crashed {AicoAppFixture.MaxRestarts + 1} times within 5 min, so it stays down until started by hand", gaveUp, StringComparison.Ordinal);
            Assert.All(decisions[..^1], d => Assert.Matches($@"^exit code 137 \(SIGKILL\); restart \d+ in \d+ s \(\d of at most {AicoAppFixture.MaxRestarts} within 5 min\)$", d));

            // Down, and still down once the supervisor's error line is written (nothing was scheduled).
            await Eventually.TrueAsync(() => Lines(console).Any(l => l.Contains($"supervisor: {Crashing} gave up: exit code 137 (SIGKILL)", StringComparison.Ordinal)), $"the supervisor's error line (console: {Lines(console).Count} lines)", TimeSpan.FromSeconds(30));
            Assert.True(app.ResourceNotifications.TryGetCurrentState(Crashing, out var down));
            Assert.Contains(down.Snapshot.State?.Text, KnownResourceStates.TerminalStates);

            // Each restart was a console line with its counter.
            var restartLines = Lines(console).Where(l => l.Contains($"supervisor: {Crashing} exited unexpectedly: exit code 137 (SIGKILL); restart ", StringComparison.Ordinal)).ToList();
            Assert.True(restartLines.Count >= decisions.Count - 1, string.Join("\n", Lines(console)));
        }
        finally
        {
            await watching.CancelAsync();
            await watch;
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            var result = await app.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(model.Resources.Single(r => r.Name == Crashing), KnownResourceCommands.StartCommand, CancellationToken.None);
            using var restore = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await app.ResourceNotifications.WaitForResourceAsync(Crashing,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, restore.Token);
            Assert.True(result.Success, result.Message);
        }
    }

    private static string? Last(CustomResourceSnapshot snapshot) => ResourceSnapshots.Property(snapshot, ResourceSupervisor.LastDecisionProperty);

    private static List<string> Lines(List<string> console)
    {
        lock (console)
        {
            return [.. console];
        }
    }

    /// <summary>The resource's console log as the dashboard shows it (the supervisor's lines are written there).</summary>
    private async Task CollectConsoleAsync(List<string> console, CancellationToken cancellationToken)
    {
        try
        {
            var resource = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == Crashing);
            await foreach (var batch in fixture.App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(resource).WithCancellation(cancellationToken))
            {
                lock (console)
                {
                    console.AddRange(batch.Select(l => l.Content));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
