using AICO.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
        builder.Services.AddOptions<BusLoggingOptions>()
            .BindConfiguration(BusLoggingOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BusLoggingOptions>>(new ConfigurationSectionValidator<BusLoggingOptions>(BusLoggingOptions.Section));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<BusLoggingOptions>>().Value);
        builder.Services.AddSingleton(sp => new BusLoggerProvider(sp.GetRequiredService<BusLoggingOptions>()));
        builder.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<BusLoggerProvider>());
        builder.Services.AddHostedService<BusLoggingService>();
        return builder;
    }
}
