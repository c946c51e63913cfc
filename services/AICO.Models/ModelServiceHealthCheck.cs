using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Models;

/// <summary>Ready when the embedding model is loaded and the bus topics are subscribed; says whether chat is configured.</summary>
internal sealed class ModelServiceHealthCheck(EmbeddingEngine embeddings, ChatService chat, ModelServiceBusWorker worker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["embedding_model"] = EmbeddingEngine.ModelName,
            ["chat"] = chat.IsConfigured ? "ollama, default model " + chat.DefaultModel : "not configured",
        };

        if (!embeddings.IsLoaded)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("embedding model loading", data: data));
        }

        return Task.FromResult(worker.IsSubscribed
            ? HealthCheckResult.Healthy("answering " + string.Join(", ", [Contracts.ModelServiceTopics.EmbeddingsRequest, Contracts.ModelServiceTopics.ChatRequest]), data)
            : HealthCheckResult.Unhealthy("not subscribed to the model service topics yet", data: data));
    }
}
