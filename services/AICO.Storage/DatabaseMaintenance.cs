using Microsoft.Data.Sqlite;

namespace AICO.Storage;

/// <summary>Status, integrity checks and VACUUM for an existing database (what the CLI's `db` group runs).</summary>
public sealed class DatabaseMaintenance(EncryptedDatabase database)
{
    public DatabaseStatus GetStatus(CancellationToken cancellationToken = default) => database.Execute(connection =>
    {
        var tables = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Column(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"))
        {
            tables[table] = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\""),
                System.Globalization.CultureInfo.InvariantCulture);
        }

        var path = database.Options.DatabasePath;
        return new DatabaseStatus(
            path,
            FileSize(path),
            FileSize(path + "-wal"),
            (string)Scalar(connection, "PRAGMA cipher_version")!,
            (string)Scalar(connection, "SELECT sqlite_version()")!,
            (string)Scalar(connection, "PRAGMA journal_mode")!,
            SchemaMigrator.CurrentVersion(connection, null),
            MigrationCatalog.Default.LatestVersion,
            tables);
    }, cancellationToken);

    public DatabaseCheckResult Check(CancellationToken cancellationToken = default) => database.Execute(connection =>
    {
        // The cipher check first: it lists every page whose HMAC fails, where integrity_check stops at the first
        // page that does not decrypt with a bare "SQL logic error".
        var cipher = Column(connection, "PRAGMA cipher_integrity_check").ToArray();
        string[] integrity;
        try
        {
            integrity = Column(connection, "PRAGMA integrity_check").Where(line => line != "ok").ToArray();
        }
        catch (SqliteException ex) when (!SqliteTransientErrors.IsTransient(ex))
        {
            integrity = [$"integrity_check could not read the whole file: {ex.Message}"];
        }

        return new DatabaseCheckResult(integrity, cipher);
    }, cancellationToken);

    /// <summary>Rebuilds the file compactly, then truncates the WAL so the space really goes back. Returns sizes before and after.</summary>
    public (long Before, long After) Vacuum(CancellationToken cancellationToken = default)
    {
        var path = database.Options.DatabasePath;
        var before = FileSize(path) + FileSize(path + "-wal");
        database.Execute(connection =>
        {
            Scalar(connection, "VACUUM");
            Scalar(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
            return true;
        }, cancellationToken);
        return (before, FileSize(path) + FileSize(path + "-wal"));
    }

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetValue(0)?.ToString() ?? "");
        }

        return values;
    }
}
