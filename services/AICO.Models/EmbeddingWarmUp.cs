using Microsoft.Extensions.Hosting;

namespace AICO.Models;

/// <summary>Loads the embedding model in the background at start, so the first request does not pay for it.</summary>
internal sealed class EmbeddingWarmUp(EmbeddingEngine engine) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => engine.WarmUpAsync(stoppingToken);
}
