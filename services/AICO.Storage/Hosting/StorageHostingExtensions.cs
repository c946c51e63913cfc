using AICO.Security;
using AICO.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class StorageHostingExtensions
{
    /// <summary>
    /// Wires the encrypted database into a service: migrations at start, a "database" health check, and
    /// <see cref="AICO.Storage.EncryptedDatabase"/> as a singleton. The key is the injected Aico:Keys:DatabaseKey,
    /// else the one derived from the key store. The data directory comes from configuration, which holds the environment
    /// (AICO_DATA_DIR, XDG_DATA_HOME, HOME) in every default host.
    /// </summary>
    public static TBuilder AddAicoDatabase<TBuilder>(this TBuilder builder, string component) where TBuilder : IHostApplicationBuilder
    {
        var configuration = builder.Configuration;
        builder.Services.AddSingleton(sp => new DatabaseStartup(
            () => AICO.Storage.StorageOptions.Resolve(component, name => configuration[name], AicoPaths.Resolve(name => configuration[name])),
            sp.GetRequiredService<ILogger<DatabaseStartup>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseStartup>());
        builder.Services.AddSingleton(sp => sp.GetRequiredService<DatabaseStartup>().Database);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}
