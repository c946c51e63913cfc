using System.Security.Cryptography;
using AICO.Security;

namespace AICO.Storage.Tests;

/// <summary>A throwaway data directory with a freshly generated database key; nothing here is ever committed.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Root = Path.Combine(Path.GetTempPath(), "aico-storage-test-" + Guid.NewGuid().ToString("N"));
        Paths = new AicoPaths(Path.Combine(Root, "data"), Path.Combine(Root, "data", "run"));
        Key = RandomNumberGenerator.GetBytes(StorageOptions.KeyLength);
        SqlCipherLibrary.EnsureLoaded(); // tests also open plain SqliteConnections, which need the provider set
    }

    public string Root { get; }
    public AicoPaths Paths { get; }
    public byte[] Key { get; }
    public string DatabaseFile => Paths.DatabaseFile;

    /// <summary>Options for this database; short retry delays keep failing tests quick.</summary>
    public StorageOptions Options(byte[]? key = null) => new(DatabaseFile, key ?? Key)
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    public EncryptedDatabase Open(byte[]? key = null) => new(Options(key));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
