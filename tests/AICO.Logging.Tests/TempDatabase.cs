using System.Security.Cryptography;
using AICO.Security;
using AICO.Storage;

namespace AICO.Logging.Tests;

/// <summary>A throwaway data directory with a real SQLCipher database and a freshly generated key.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Root = Path.Combine(Path.GetTempPath(), "aico-logging-test-" + Guid.NewGuid().ToString("N"));
        Paths = new AicoPaths(Path.Combine(Root, "data"), Path.Combine(Root, "data", "run"));
        Key = RandomNumberGenerator.GetBytes(StorageOptions.KeyLength);
        Database = new EncryptedDatabase(new StorageOptions(Paths.DatabaseFile, Key)
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
        });
        Database.Migrate();
    }

    public string Root { get; }
    public AicoPaths Paths { get; }
    public byte[] Key { get; }
    public EncryptedDatabase Database { get; }

    public T Query<T>(Func<Microsoft.Data.Sqlite.SqliteConnection, T> read) => Database.Execute(read);

    public long Scalar(string sql) => Database.Execute(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    });

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
