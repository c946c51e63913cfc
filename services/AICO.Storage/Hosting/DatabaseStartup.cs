using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AICO.Storage.Hosting;

/// <summary>
/// Runs the schema migrations when a service starts and remembers the outcome for the health check. A wrong key or a
/// failed migration does not crash the service: it is logged once and the database health check reports it.
/// </summary>
internal sealed class DatabaseStartup(Func<StorageOptions> resolveOptions, ILogger<DatabaseStartup> logger) : IHostedService
{
    private readonly Lazy<EncryptedDatabase> _database = new(() => new EncryptedDatabase(resolveOptions()));
    private volatile string? _failure;
    private volatile bool _migrated;

    /// <summary>The database; throws the clear error (e.g. no key) when it cannot be set up.</summary>
    public EncryptedDatabase Database => _database.Value;

    public bool Migrated => _migrated;

    public string? Failure => _failure;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = Database.Migrate(cancellationToken);
            _migrated = true;
            logger.LogInformation(
                "Database {Path} at schema version {Version} (applied {Applied})",
                Database.Options.DatabasePath, result.ToVersion, result.Applied.Count == 0 ? "none" : string.Join(", ", result.Applied));
        }
        catch (StorageException ex)
        {
            _failure = ex.Message;
            logger.LogError("Database unavailable: {Reason}", ex.Message);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            _failure = $"database error: {ex.Message}";
            logger.LogError("Database unavailable: {Reason}", _failure);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
