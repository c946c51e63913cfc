using System.Data;
using Microsoft.Data.Sqlite;
using Polly;

namespace AICO.Storage;

/// <summary>
/// The encrypted AICO database: hands out connections that are keyed, verified and configured (WAL, busy_timeout,
/// foreign keys), and runs work through the retry pipeline. Safe to share across threads; several processes may
/// use the same file at once.
/// </summary>
public sealed class EncryptedDatabase
{
    /// <summary>A NOTADB while checking the key is confirmed once on a fresh connection before it counts as a wrong key.</summary>
    private const int KeyCheckAttempts = 2;

    private readonly string _connectionString;
    private readonly ResiliencePipeline _pipeline;
    private long _retries;

    public EncryptedDatabase(StorageOptions options)
    {
        Options = options;
        _connectionString = options.ConnectionString;
        _pipeline = DatabaseRetryPipeline.Create(options, OnRetry);
    }

    public StorageOptions Options { get; }

    /// <summary>Retries this instance has made (each one after a forced reconnect).</summary>
    public long RetryCount => Interlocked.Read(ref _retries);

    /// <summary>Raised before each retry with the error and the retry number, 1 for the first (tests, diagnostics).</summary>
    internal event Action<SqliteException, int>? Retrying;

    /// <summary>An open, verified connection; the caller disposes it. Prefer <see cref="Execute{T}"/>, which also retries the work.</summary>
    public SqliteConnection Open(CancellationToken cancellationToken = default) =>
        _pipeline.Execute(static (self, _) => self.OpenVerified(), this, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a fresh connection; on a transient error the whole unit runs again.</summary>
    public T Execute<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        _pipeline.Execute(_ =>
        {
            using var connection = OpenVerified();
            return work(connection);
        }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a write transaction (BEGIN IMMEDIATE) and commits; retried as a whole.</summary>
    public T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default) =>
        Execute(connection =>
        {
            using var transaction = BeginImmediate(connection);
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }, cancellationToken);

    public ValueTask<T> ExecuteAsync<T>(Func<SqliteConnection, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(async token =>
        {
            await using var connection = OpenVerified();
            return await work(connection, token);
        }, cancellationToken);

    public ValueTask<T> WriteAsync<T>(
        Func<SqliteConnection, SqliteTransaction, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async (connection, token) =>
        {
            await using var transaction = BeginImmediate(connection);
            var result = await work(connection, transaction, token);
            await transaction.CommitAsync(token);
            return result;
        }, cancellationToken);

    /// <summary>The applied schema version beside the newest this build knows, read without changing anything.</summary>
    public SchemaVersions ReadSchemaVersions(CancellationToken cancellationToken = default) =>
        Execute(connection => new SchemaVersions(SchemaMigrator.CurrentVersion(connection, null), MigrationCatalog.Default.LatestVersion), cancellationToken);

    /// <summary>Brings the schema to the newest version this build knows; safe when several processes run it at once.</summary>
    public MigrationResult Migrate(CancellationToken cancellationToken = default) =>
        new SchemaMigrator(this, MigrationCatalog.Default).Migrate(cancellationToken);

    /// <summary>Serializable and not deferred: Microsoft.Data.Sqlite issues BEGIN IMMEDIATE, taking the write lock up front.</summary>
    private static SqliteTransaction BeginImmediate(SqliteConnection connection) =>
        connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);

    private SqliteConnection OpenVerified()
    {
        SqlCipherLibrary.EnsureLoaded();
        EnsureDirectory();
        for (var attempt = 1; ; attempt++)
        {
            var connection = new SqliteConnection(_connectionString);
            try
            {
                connection.Open();
                ApplySessionSettings(connection);
                return connection;
            }
            catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) == SqliteTransientErrors.NotADatabase)
            {
                connection.Dispose();
                ClearPool();
                if (attempt == KeyCheckAttempts)
                {
                    StorageTelemetry.KeyMismatches.Add(1);
                    throw DatabaseKeyMismatchException.ForFile(Options.DatabasePath, ex);
                }
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Runs on every open, pooled or not. Reading sqlite_master is the key check: with a wrong key the first page
    /// does not decrypt and SQLCipher answers NOTADB.
    /// </summary>
    private void ApplySessionSettings(SqliteConnection connection)
    {
        Pragma(connection, $"PRAGMA busy_timeout = {(long)Options.BusyTimeout.TotalMilliseconds}");
        Pragma(connection, "SELECT count(*) FROM sqlite_master");
        Pragma(connection, "PRAGMA foreign_keys = ON");
        var mode = Pragma(connection, "PRAGMA journal_mode = WAL") as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException($"The database {Options.DatabasePath} cannot use write-ahead logging (journal_mode is '{mode}').");
        }
    }

    private static object? Pragma(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void EnsureDirectory()
    {
        var directory = Path.GetDirectoryName(Options.DatabasePath)!;
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private void OnRetry(SqliteException error, int retry)
    {
        Interlocked.Increment(ref _retries);
        StorageTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", SqliteTransientErrors.Name(error.SqliteErrorCode)));
        ClearPool();
        Retrying?.Invoke(error, retry);
    }

    /// <summary>The forced reconnect: pooled connections of this database are closed instead of reused.</summary>
    private void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
