using AICO.Bus;
using AICO.Security;
using AICO.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The <c>Bus</c> configuration section of every AICO process, bound to <see cref="BusClientOptions"/> (read by
/// AddAicoBusClient) and checked at start. The section is shared with the broker's settings, so a key is unknown only
/// when neither the client nor the broker has it.
/// </summary>
public static class BusSettings
{
    public const string Section = "Bus";

    public static TBuilder AddAicoBusSettings<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<BusClientOptions>().BindConfiguration(Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BusClientOptions>>(sp => new BusClientOptionsValidator(sp.GetRequiredService<IConfiguration>().GetSection(Section)));
        return builder;
    }

    private sealed class BusClientOptionsValidator(IConfigurationSection section) : IValidateOptions<BusClientOptions>
    {
        /// <summary>The client's settings and the broker's that BusRegistration reads; any other key is ignored by both.</summary>
        private static readonly HashSet<string> Known = new(
            typeof(BusClientOptions).GetProperties().Select(p => p.Name).Concat([nameof(BrokerOptions.BindAddress), nameof(BrokerOptions.Permissions)]),
            StringComparer.OrdinalIgnoreCase);

        public ValidateOptionsResult Validate(string? name, BusClientOptions options)
        {
            var failures = section.GetChildren().Where(c => !Known.Contains(c.Key))
                .Select(c => $"{Section}:{c.Key} is not a bus setting (client or broker).").ToList();
            failures.AddRange(PermissionProblems(section.GetSection(nameof(BrokerOptions.Permissions))));
            Check(failures, nameof(options.Endpoint), options.Endpoint.StartsWith("tcp://", StringComparison.Ordinal), "must be a tcp:// address.");
            Check(failures, nameof(options.WelcomeTimeout), Within(options.WelcomeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)), "must be between 00:00:00.100 and 00:05:00.");
            Check(failures, nameof(options.OutboundCapacity), options.OutboundCapacity is >= 1 and <= 10_000_000, "must be between 1 and 10000000.");
            Check(failures, nameof(options.SubscriptionCapacity), options.SubscriptionCapacity is >= 1 and <= 10_000_000, "must be between 1 and 10000000.");
            Check(failures, nameof(options.MaxMessageBytes), options.MaxMessageBytes is >= 1024 and <= 256 * 1024 * 1024, "must be between 1024 and 268435456.");
            Check(failures, nameof(options.MinReconnectDelay), Within(options.MinReconnectDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)), "must be between 00:00:00.001 and 00:01:00.");
            Check(failures, nameof(options.MaxReconnectDelay), Within(options.MaxReconnectDelay, options.MinReconnectDelay, TimeSpan.FromMinutes(10)), "must be between MinReconnectDelay and 00:10:00.");
            Check(failures, nameof(options.HeartbeatMisses), options.HeartbeatMisses is >= 1 and <= 1_000, "must be between 1 and 1000.");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        /// <summary>The broker reads Permissions:{component}:Publish|Subscribe; anything else there would be silently ignored.</summary>
        private static IEnumerable<string> PermissionProblems(IConfigurationSection permissions)
        {
            foreach (var component in permissions.GetChildren())
            {
                if (!Components.IsKnown(component.Key))
                {
                    yield return $"{component.Path} names no component (one of {string.Join(", ", Components.All)}).";
                }

                foreach (var list in component.GetChildren().Where(l => l.Key is not ("Publish" or "Subscribe")))
                {
                    yield return $"{list.Path} is not a permission list (Publish or Subscribe).";
                }
            }
        }

        private static bool Within(TimeSpan value, TimeSpan min, TimeSpan max) => value >= min && value <= max;

        private static void Check(List<string> failures, string setting, bool ok, string message)
        {
            if (!ok)
            {
                failures.Add($"{Section}:{setting} {message}");
            }
        }
    }
}
