using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

using AICO.Settings;

namespace AICO.Models;

public static class ModelServiceExtensions
{
    /// <summary>
    /// Registers the embedding engine, the chat service (Ollama when ModelService:OllamaEndpoint is set), the bus
    /// request handlers and a "modelservice" readiness check. Needs an IBusClient registered (AddAicoBusClient).
    /// </summary>
    public static IHostApplicationBuilder AddModelService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<ModelServiceOptions>(ModelServiceOptions.Section);
        builder.Services.AddSingleton(sp => new EmbeddingEngine(sp.GetRequiredService<IOptions<ModelServiceOptions>>().Value.EmbeddingConcurrency));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelServiceOptions>>().Value;
            return new ChatService(ChatClientFactory.Create(options), options.ChatModel);
        });
        builder.Services.AddSingleton<ModelServiceRequestHandler>();
        builder.Services.AddSingleton<ModelServiceBusWorker>();
        builder.Services.AddHostedService<EmbeddingWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelServiceBusWorker>());
        builder.Services.AddHealthChecks().AddCheck<ModelServiceHealthCheck>("modelservice");
        return builder;
    }
}
