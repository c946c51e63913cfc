using AICO.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class BusLoggingExtensions
{
    /// <summary>
    /// Sends this process's log records over the bus to the log consumer, beside the console and OpenTelemetry
    /// providers. Uses the process's IBusClient (register it with AddAicoBusClient); without one, it warns once on
    /// stderr and the process keeps its other logging.
    /// </summary>
    public static TBuilder AddAicoBusLogging<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var options = BusLoggingOptions.From(builder.Configuration);
        var provider = new BusLoggerProvider(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(provider);
        builder.Logging.AddProvider(provider);
        builder.Services.AddHostedService<BusLoggingService>();
        return builder;
    }
}
