using AICO.Security;
using Microsoft.Data.Sqlite;

namespace AICO.Storage;

/// <summary>
/// Where the encrypted database is, the raw key that opens it, and how hard to try when it is busy.
/// The key is used as a SQLCipher raw key (<c>x'hex'</c>), so opening runs no key derivation.
/// </summary>
public sealed class StorageOptions
{
    public const int KeyLength = 32;

    private readonly byte[] _key;
    private readonly TimeSpan _busyTimeout = TimeSpan.FromSeconds(10);
    private readonly TimeSpan _commandTimeout = TimeSpan.FromSeconds(30);
    private readonly int _maxRetryAttempts = 6;
    private readonly TimeSpan _retryBaseDelay = TimeSpan.FromMilliseconds(50);
    private readonly TimeSpan _retryMaxDelay = TimeSpan.FromSeconds(2);

    public StorageOptions(string databasePath, ReadOnlySpan<byte> key)
    {
        if (string.IsNullOrWhiteSpace(databasePath))
        {
            throw new ArgumentException("The database path is empty.", nameof(databasePath));
        }

        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"The database key is {KeyLength} bytes, got {key.Length}.", nameof(key));
        }

        DatabasePath = Path.GetFullPath(databasePath);
        _key = key.ToArray();
    }

    public string DatabasePath { get; }

    /// <summary>How long SQLite itself waits for a lock (PRAGMA busy_timeout) before reporting SQLITE_BUSY.</summary>
    public TimeSpan BusyTimeout { get => _busyTimeout; init => _busyTimeout = Positive(value, nameof(BusyTimeout)); }

    /// <summary>Microsoft.Data.Sqlite's command timeout (whole seconds, at least one).</summary>
    public TimeSpan CommandTimeout { get => _commandTimeout; init => _commandTimeout = Positive(value, nameof(CommandTimeout)); }

    /// <summary>Retries after the first attempt for transient errors (BUSY, LOCKED, NOTADB on a verified key).</summary>
    public int MaxRetryAttempts
    {
        get => _maxRetryAttempts;
        init => _maxRetryAttempts = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRetryAttempts), value, "Between 0 and 100.");
    }

    /// <summary>First retry delay; doubled on every retry (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay
    {
        get => _retryBaseDelay;
        init => _retryBaseDelay = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(RetryBaseDelay), value, "Not negative.");
    }

    public TimeSpan RetryMaxDelay { get => _retryMaxDelay; init => _retryMaxDelay = Positive(value, nameof(RetryMaxDelay)); }

    /// <summary>The key as SQLCipher's raw-key literal body: 64 lowercase hex characters.</summary>
    internal string KeyHex => Convert.ToHexStringLower(_key);

    /// <summary>
    /// Password=x'hex' makes Microsoft.Data.Sqlite issue <c>PRAGMA key = 'x''hex'''</c> on every new physical
    /// connection, which SQLCipher reads as a raw key. The key is part of the pool's identity, so connections made
    /// with different keys never share a pool.
    /// </summary>
    internal string ConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = DatabasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        Password = $"x'{KeyHex}'",
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(CommandTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>The installation's database under <paramref name="paths"/>, keyed from its master key (CLI, tools).</summary>
    public static StorageOptions FromKeyStore(AicoPaths paths) =>
        new(paths.DatabaseFile, new MasterKeyStore(paths).LoadDerivation().DatabaseKey());

    /// <summary>
    /// A service's database options: the injected key (Aico:Keys:DatabaseKey) when the AppHost gave one,
    /// else the key derived from the key store. No key at all is a key mismatch, reported at once.
    /// </summary>
    public static StorageOptions Resolve(string component, Func<string, string?> setting, AicoPaths paths)
    {
        byte[]? key;
        try
        {
            key = ComponentKeys.Resolve(component, setting, paths).DatabaseKey;
        }
        catch (KeyStoreException ex)
        {
            throw DatabaseKeyMismatchException.Missing(ex.Message);
        }

        if (key is null)
        {
            throw DatabaseKeyMismatchException.Missing($"{ComponentKeys.DatabaseKeySetting} was not injected for {component}");
        }

        if (key.Length != KeyLength)
        {
            throw DatabaseKeyMismatchException.Missing($"{ComponentKeys.DatabaseKeySetting} is {key.Length} bytes, expected {KeyLength}");
        }

        return new StorageOptions(paths.DatabaseFile, key);
    }

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
}
