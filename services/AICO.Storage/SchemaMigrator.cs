using Microsoft.Data.Sqlite;

namespace AICO.Storage;

/// <summary>
/// Applies pending migrations in one write transaction (BEGIN IMMEDIATE). The version is read again under the write
/// lock, so when two processes start at once the second finds the work done and applies nothing.
/// </summary>
internal sealed class SchemaMigrator(EncryptedDatabase database, MigrationCatalog catalog)
{
    private const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (" +
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, " +
        "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT";

    public MigrationResult Migrate(CancellationToken cancellationToken)
    {
        var found = database.Execute(connection => CurrentVersion(connection, null), cancellationToken);
        EnsureKnown(found);
        if (found == catalog.LatestVersion)
        {
            return new MigrationResult(found, found, []);
        }

        return database.Write((connection, transaction) =>
        {
            Run(connection, transaction, CreateVersionTable);
            var current = CurrentVersion(connection, transaction);
            EnsureKnown(current);
            var applied = new List<int>();
            foreach (var migration in catalog.Migrations.Where(m => m.Version > current))
            {
                Apply(connection, transaction, migration);
                applied.Add(migration.Version);
            }

            return new MigrationResult(current, catalog.LatestVersion, applied);
        }, cancellationToken);
    }

    /// <summary>The newest applied version; 0 for a database without the version table.</summary>
    public static int CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations') " +
            "THEN 1 ELSE 0 END";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private void EnsureKnown(int version)
    {
        if (version > catalog.LatestVersion)
        {
            throw new StorageException(
                $"The database schema is version {version}, newer than this AICO build knows ({catalog.LatestVersion}); update AICO.");
        }
    }

    private static void Apply(SqliteConnection connection, SqliteTransaction transaction, SchemaMigration migration)
    {
        try
        {
            Run(connection, transaction, migration.Sql);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name) VALUES ($version, $name)";
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$name", migration.Name);
            record.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (!SqliteTransientErrors.IsTransient(ex))
        {
            throw new StorageException($"Schema migration {migration.Version:D4}_{migration.Name} failed: {ex.Message}", ex);
        }
    }

    private static void Run(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
