using AICO.Bus;
using AICO.Logging;
using AICO.LogStore;
using AICO.Settings;
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
        builder.Services.AddValidatedSettings<LogConsumerOptions>(LogConsumerOptions.Section);
        builder.Services.AddSingleton(sp => new LogConsumer(sp.GetRequiredService<IBusClient>(), sp.GetRequiredService<EncryptedDatabase>(), sp.GetRequiredService<LogConsumerOptions>(), sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new LogRetention(sp.GetRequiredService<EncryptedDatabase>(), sp.GetRequiredService<LogConsumerOptions>()));
        builder.Services.AddHostedService<LogConsumerHostedService>();
        builder.Services.AddHealthChecks().AddCheck<LogConsumerHealthCheck>("logconsumer");
        return builder;
    }
}
