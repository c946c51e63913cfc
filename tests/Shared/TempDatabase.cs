using System.Security.Cryptography;
using AICO.Security;
using AICO.Storage;

namespace AICO.TestSupport;

/// <summary>
/// A throwaway data directory with a freshly generated database key (nothing here is ever committed): <see cref="Open"/>
/// a real SQLCipher database on it, or use <see cref="Database"/>, opened and migrated on first use.
/// </summary>
internal sealed class TempDatabase : IDisposable
{
    private EncryptedDatabase? _database;

    public TempDatabase()
    {
        Root = Path.Combine(Path.GetTempPath(), "aico-test-" + Guid.NewGuid().ToString("N"));
        Paths = new AicoPaths(Path.Combine(Root, "data"), Path.Combine(Root, "data", "run"));
        Key = RandomNumberGenerator.GetBytes(StorageOptions.KeyLength);
        SqlCipherLibrary.EnsureLoaded(); // tests also open plain SqliteConnections, which need the provider set
    }

    public string Root { get; }
    public AicoPaths Paths { get; }
    public byte[] Key { get; }
    public string DatabaseFile => Paths.DatabaseFile;

    /// <summary>The database at the latest schema, opened with <see cref="Key"/>.</summary>
    public EncryptedDatabase Database
    {
        get
        {
            if (_database is null)
            {
                _database = Open();
                _database.Migrate();
            }

            return _database;
        }
    }

    /// <summary>Options for this database; short retry delays keep failing tests quick.</summary>
    public StorageOptions Options(byte[]? key = null) => new(DatabaseFile, key ?? Key)
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    public EncryptedDatabase Open(byte[]? key = null) => new(Options(key));

    public T Query<T>(Func<Microsoft.Data.Sqlite.SqliteConnection, T> read) => Database.Execute(read);

    public long Scalar(string sql) => Database.Execute(c => Sql.Long(c, sql));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
