using AICO.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AICO.Bus;

/// <summary>One-line wiring of the bus into a host: the client of a component, or the broker.</summary>
public static class BusRegistration
{
    public const string EndpointSetting = "Bus:Endpoint";

    /// <summary>
    /// Registers <see cref="IBusClient"/> (a singleton started with the host) for <paramref name="component"/>, with keys
    /// from the injected settings, a joined bundle or the key store, the endpoint from Bus:Endpoint (else the bundle's),
    /// and the health check "bus".
    /// </summary>
    public static IHostApplicationBuilder AddAicoBusClient(this IHostApplicationBuilder builder, string component)
    {
        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var keys = ComponentKeys.Resolve(component, name => configuration[name], AicoPaths.FromEnvironment());
            // Bound and checked by the host's service defaults (section Bus); the endpoint falls back to a joined bundle's.
            var options = sp.GetRequiredService<IOptions<BusClientOptions>>().Value;
            options.Endpoint = configuration[EndpointSetting] ?? keys.BusEndpoint ?? BrokerOptions.DefaultEndpoint;
            return new BusClient(keys, options, sp.GetService<ILogger<BusClient>>());
        });
        builder.Services.AddSingleton<IBusClient>(sp => sp.GetRequiredService<BusClient>());
        builder.Services.AddHostedService<BusClientHostedService>();
        builder.Services.AddHealthChecks().AddCheck<BusHealthCheck>("bus");
        return builder;
    }

    /// <summary>
    /// Registers the broker engine as a hosted service with the health check "broker". Settings: Bus:Endpoint,
    /// Bus:BindAddress, Bus:MaxMessageBytes, Bus:Permissions:{component}:Publish|Subscribe (lists of prefixes).
    /// </summary>
    public static IHostApplicationBuilder AddAicoBroker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var keys = ComponentKeys.Resolve(Components.Broker, name => configuration[name], AicoPaths.FromEnvironment());
            return new BrokerEngine(keys.KeyPair, keys.AllowList, ReadBrokerOptions(configuration.GetSection("Bus")), sp.GetService<ILogger<BrokerEngine>>());
        });
        builder.Services.AddHostedService<BrokerHostedService>();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker");
        return builder;
    }

    internal static BrokerOptions ReadBrokerOptions(IConfigurationSection bus)
    {
        var options = new BrokerOptions
        {
            Endpoint = bus["Endpoint"] ?? BrokerOptions.DefaultEndpoint,
            BindAddress = bus["BindAddress"],
        };
        if (int.TryParse(bus["MaxMessageBytes"], out var max) && max > 0)
        {
            options.MaxMessageBytes = max;
        }

        var permissions = new Dictionary<string, ComponentPermissions>(TopicPermissions.Defaults, StringComparer.Ordinal);
        foreach (var component in bus.GetSection("Permissions").GetChildren())
        {
            permissions[component.Key] = new ComponentPermissions(
                component.GetSection("Publish").GetChildren().Select(c => c.Value ?? "").ToArray(),
                component.GetSection("Subscribe").GetChildren().Select(c => c.Value ?? "").ToArray());
        }

        options.Permissions = new TopicPermissions(permissions);
        return options;
    }
}
