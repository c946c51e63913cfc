using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// Watches the state of every supervised resource through Aspire's own resource notifications and, when a process
/// exits without having been asked to stop, starts it again with the resource's "start" command (the dashboard's
/// Start button) after the delay its <see cref="RestartPolicy"/> decides. Every decision is a line in the resource's
/// console log and a property in the dashboard. Nothing here launches processes itself.
/// </summary>
internal sealed class ResourceSupervisor(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    ILogger<ResourceSupervisor> logger) : BackgroundService
{
    public const string RestartsProperty = "aico.supervisor.restarts";
    public const string LastDecisionProperty = "aico.supervisor.last";

    private static readonly string[] ActiveStates = [KnownResourceStates.Running, KnownResourceStates.Starting, KnownResourceStates.RuntimeUnhealthy];

    private readonly TimeProvider _time = TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watched = model.Resources
            .Select(r => (Resource: r, Annotation: r.Annotations.OfType<SupervisedAnnotation>().LastOrDefault()))
            .Where(x => x.Annotation is not null)
            .ToDictionary(x => x.Resource.Name, x => new Watch(x.Resource, new RestartPolicy(x.Annotation!.Options)), StringComparer.Ordinal);
        if (watched.Count == 0)
        {
            return;
        }

        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (watched.TryGetValue(update.Resource.Name, out var watch))
                {
                    Observe(watch, update.Snapshot, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Observe(Watch watch, CustomResourceSnapshot snapshot, CancellationToken stoppingToken)
    {
        var state = snapshot.State?.Text;
        var previous = watch.State;
        watch.State = state;
        if (state == previous || string.IsNullOrEmpty(state))
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (state == KnownResourceStates.Stopping)
        {
            watch.StopRequested = true;
        }
        else if (state == KnownResourceStates.Starting)
        {
            if (!watch.RestartPending && watch.Policy.GaveUp)
            {
                watch.Policy.Reset();
            }

            watch.RestartPending = false;
            watch.StopRequested = false;
            watch.RunningSince = null;
        }
        else if (state == KnownResourceStates.Running)
        {
            watch.RunningSince ??= now;
        }
        else if (KnownResourceStates.TerminalStates.Contains(state) && previous is not null && (ActiveStates.Contains(previous) || previous == KnownResourceStates.Stopping))
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested || stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var decision = watch.Policy.OnExit(now, snapshot.ExitCode, watch.StopRequested, now - watch.RunningSince);
            _ = ActAsync(watch, decision, stoppingToken);
        }
    }

    private async Task ActAsync(Watch watch, RestartDecision decision, CancellationToken stoppingToken)
    {
        var resource = watch.Resource;
        var console = resourceLogs.GetLogger(resource);
        try
        {
            if (!decision.Restart && !watch.Policy.GaveUp)
            {
                console.LogInformation("supervisor: {Resource} {Reason}; not restarted", resource.Name, decision.Reason);
                await PublishAsync(resource, watch.Policy.TotalRestarts, decision.Reason + "; not restarted").ConfigureAwait(false);
                return;
            }

            if (!decision.Restart)
            {
                console.LogError("supervisor: {Resource} gave up: {Reason}", resource.Name, decision.Reason);
                logger.LogError("{Resource} gave up: {Reason}", resource.Name, decision.Reason);
                await PublishAsync(resource, watch.Policy.TotalRestarts, "gave up: " + decision.Reason).ConfigureAwait(false);
                return;
            }

            watch.RestartPending = true;
            console.LogWarning("supervisor: {Resource} exited unexpectedly: {Reason}", resource.Name, decision.Reason);
            logger.LogWarning("{Resource} exited unexpectedly: {Reason}", resource.Name, decision.Reason);
            await PublishAsync(resource, decision.Attempt, decision.Reason).ConfigureAwait(false);
            await Task.Delay(decision.Delay, _time, stoppingToken).ConfigureAwait(false);
            if (lifetime.ApplicationStopping.IsCancellationRequested || !KnownResourceStates.TerminalStates.Contains(watch.State ?? ""))
            {
                // Started by hand meanwhile, or the whole app is stopping.
                watch.RestartPending = false;
                return;
            }

            var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, stoppingToken).ConfigureAwait(false);
            if (!result.Success)
            {
                watch.RestartPending = false;
                console.LogError("supervisor: restart {Attempt} of {Resource} failed: {Message}", decision.Attempt, resource.Name, result.Message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The supervisor must survive anything one restart throws; the next exit is decided afresh.
            watch.RestartPending = false;
            logger.LogError(ex, "restarting {Resource} failed", resource.Name);
        }
    }

    private Task PublishAsync(IResource resource, int restarts, string decision) =>
        notifications.PublishUpdateAsync(resource, s => s with
        {
            Properties = With(With(s.Properties, RestartsProperty, restarts), LastDecisionProperty, decision),
        });

    private static ImmutableArray<ResourcePropertySnapshot> With(ImmutableArray<ResourcePropertySnapshot> properties, string name, object value) =>
        properties.RemoveAll(p => p.Name == name).Add(new ResourcePropertySnapshot(name, value));

    /// <summary>What the supervisor knows of one resource; touched only by the watch loop, except the flags.</summary>
    private sealed class Watch(IResource resource, RestartPolicy policy)
    {
        public IResource Resource { get; } = resource;
        public RestartPolicy Policy { get; } = policy;
        public volatile string? State;
        public volatile bool StopRequested;
        public volatile bool RestartPending;
        public DateTimeOffset? RunningSince;
    }
}
