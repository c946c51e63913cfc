using AICO.Bus;
using AICO.Logging;
using AICO.Logging.Pipeline;
using AICO.Security;
using AICO.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class BusLoggingExtensions
{
    /// <summary>
    /// Sends this process's log records over the bus to the log consumer, beside the console and OpenTelemetry
    /// providers. Uses the process's IBusClient (register it with AddAicoBusClient); without one, it warns once on
    /// stderr and the process keeps its other logging. Settings: <see cref="BusLoggingOptions.Section"/>.
    /// </summary>
    public static TBuilder AddAicoBusLogging<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddValidatedSettings<BusLoggingOptions>(BusLoggingOptions.Section);
        builder.Services.AddSingleton(sp => new BusLoggerProvider(sp.GetRequiredService<BusLoggingOptions>()));
        builder.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<BusLoggerProvider>());
        builder.Services.AddHostedService<BusLoggingService>();
        return builder;
    }

    /// <summary>
    /// Adds the health check "logpipeline": consumer subscribed (asked of the broker), every producer's backlog in
    /// memory and in spools, and the oldest unacknowledged record's age (from the runtime directory).
    /// </summary>
    public static TBuilder AddAicoLogPipelineHealth<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "logpipeline",
            sp => new LogPipelineHealthCheck(sp.GetRequiredService<IBusClient>(), AicoPaths.FromEnvironment().RuntimeDirectory, TimeProvider.System),
            failureStatus: null,
            tags: null));
        return builder;
    }
}
