using AICO.Models.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Gateway.ModelService;

/// <summary>
/// "Model service answering": a one-word embeddings request over the bus. Degraded, not Unhealthy, when it does not
/// answer: the gateway still serves logs and admin operations without it.
/// </summary>
internal sealed class ModelServiceAnsweringHealthCheck(IModelServiceClient models) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var reply = await models.EmbedAsync(new EmbeddingsRequest(["health"]), timeout.Token);
            return HealthCheckResult.Healthy($"answering ({reply.Model})");
        }
        catch (Exception ex) when (ex is ModelServiceException or TimeoutException or OperationCanceledException or Bus.BusDeniedException)
        {
            return HealthCheckResult.Degraded($"model service not answering: {ex.Message}");
        }
    }
}
