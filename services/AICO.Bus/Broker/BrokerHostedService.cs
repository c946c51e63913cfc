using AICO.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AICO.Bus;

/// <summary>Binds and serves the broker for the life of the host, with the enrolled instances of the data directory kept current.</summary>
internal sealed class BrokerHostedService(BrokerEngine engine, ILogger<BrokerHostedService> logger) : IHostedService
{
    private EnrolledAllowList? _enrolments;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _enrolments = new EnrolledAllowList(AicoPaths.FromEnvironment().EnrolmentsFile, Apply, logger);
        await engine.ApplyEnrolmentsAsync(_enrolments.Current).ConfigureAwait(false);
        engine.Start();
        _enrolments.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _enrolments?.Dispose();
        await engine.DisposeAsync().ConfigureAwait(false);
    }

    private void Apply(EnrolmentSnapshot snapshot)
    {
        logger.LogInformation("bus: enrolled instances changed: {Active} active, {Revoked} revoked", snapshot.Active.Count, snapshot.Revoked.Count);
        engine.ApplyEnrolmentsAsync(snapshot).ContinueWith(
            t => logger.LogWarning("bus: could not apply the enrolment list: {Reason}", t.Exception?.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}
