using AICO.Bus;
using AICO.Logging;
using AICO.LogStore;
using AICO.Settings;
using AICO.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class LogConsumerHostingExtensions
{
    /// <summary>
    /// Makes this process the log consumer: subscription to logs/, batch writer, acknowledgements, retention and the
    /// "logconsumer" readiness check (with the "database" check capped at Degraded). Needs the process's IBusClient and EncryptedDatabase (AddAicoBusClient,
    /// AddAicoDatabase).
    /// </summary>
    /// <summary>The storage layer's check (AddAicoDatabase): in the consumer a database it cannot use is Degraded, as its own check says.</summary>
    private const string DatabaseCheck = "database";

    public static TBuilder AddAicoLogConsumer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddValidatedSettings<LogConsumerOptions>(LogConsumerOptions.Section);
        builder.Services.AddSingleton(sp => new LogConsumer(sp.GetRequiredService<IBusClient>(), sp.GetRequiredService<EncryptedDatabase>(), sp.GetRequiredService<LogConsumerOptions>(), sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new LogRetention(sp.GetRequiredService<EncryptedDatabase>(), sp.GetRequiredService<LogConsumerOptions>()));
        builder.Services.AddHostedService<LogConsumerHostedService>();
        builder.Services.AddHealthChecks().AddCheck<LogConsumerHealthCheck>("logconsumer");
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Name == DatabaseCheck))
            {
                var factory = registration.Factory;
                registration.Factory = services => new DegradedAtWorstHealthCheck(factory(services));
            }
        });
        return builder;
    }
}
