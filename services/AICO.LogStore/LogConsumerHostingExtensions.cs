using AICO.Bus;
using AICO.LogStore;
using AICO.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class LogConsumerHostingExtensions
{
    /// <summary>
    /// Makes this process the log consumer: subscription to logs/, batch writer, acknowledgements, retention and the
    /// "logconsumer" readiness check. Needs the process's IBusClient and EncryptedDatabase (AddAicoBusClient,
    /// AddAicoDatabase).
    /// </summary>
    public static TBuilder AddAicoLogConsumer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var options = LogConsumerOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new LogConsumer(sp.GetRequiredService<IBusClient>(), sp.GetRequiredService<EncryptedDatabase>(), options));
        builder.Services.AddSingleton(sp => new LogRetention(sp.GetRequiredService<EncryptedDatabase>(), options));
        builder.Services.AddHostedService<LogConsumerHostedService>();
        builder.Services.AddHealthChecks().AddCheck<LogConsumerHealthCheck>("logconsumer");
        return builder;
    }
}
