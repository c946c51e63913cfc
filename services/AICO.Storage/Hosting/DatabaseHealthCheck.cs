using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Storage.Hosting;

/// <summary>
/// Healthy when the migrated database opens with our key right now. A wrong key, a failed migration or an
/// unreadable file is Unhealthy with the reason as description (never a secret).
/// </summary>
internal sealed class DatabaseHealthCheck(DatabaseStartup startup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (startup.Failure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(failure));
        }

        if (!startup.Migrated)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("database migrations have not run yet"));
        }

        try
        {
            var version = startup.Database.Execute(c => SchemaMigrator.CurrentVersion(c, null), cancellationToken);
            return Task.FromResult(HealthCheckResult.Healthy(
                $"schema version {version}",
                new Dictionary<string, object> { ["path"] = startup.Database.Options.DatabasePath, ["schema_version"] = version }));
        }
        catch (StorageException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(ex.Message));
        }
        catch (SqliteException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"database error: {ex.Message}"));
        }
    }
}
