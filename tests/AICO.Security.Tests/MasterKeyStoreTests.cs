namespace AICO.Security.Tests;

public class MasterKeyStoreTests
{
    [Fact]
    public void Create_writes_32_bytes_owner_only_in_an_owner_only_directory()
    {
        using var dir = new TempDataDirectory();
        var store = new MasterKeyStore(dir.Paths);

        store.Create(force: false);

        Assert.Equal(32, new FileInfo(dir.Paths.MasterKeyFile).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.Paths.MasterKeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir.Paths.DataDirectory));
    }

    [Fact]
    public void Create_refuses_to_overwrite_without_force_and_keeps_the_key()
    {
        using var dir = new TempDataDirectory();
        var store = new MasterKeyStore(dir.Paths);
        store.Create(force: false);
        var original = store.Load();

        var ex = Assert.Throws<KeyStoreException>(() => store.Create(force: false));
        Assert.Contains("--force", ex.Message);
        Assert.Equal(original, store.Load());

        store.Create(force: true);
        Assert.NotEqual(original, store.Load());
    }

    [Fact]
    public void Concurrent_CreateIfMissing_leaves_exactly_one_key_everyone_reads()
    {
        using var dir = new TempDataDirectory();
        var created = 0;
        Parallel.For(0, 16, _ =>
        {
            if (new MasterKeyStore(dir.Paths).CreateIfMissing())
            {
                Interlocked.Increment(ref created);
            }
        });

        Assert.Equal(1, created);
        Assert.Single(Directory.GetFiles(dir.Paths.DataDirectory));
    }

    [Fact]
    public void Load_without_a_key_or_with_a_damaged_key_says_what_to_do()
    {
        using var dir = new TempDataDirectory();
        var store = new MasterKeyStore(dir.Paths);
        Assert.Contains("aico security init", Assert.Throws<KeyStoreException>(store.Load).Message);

        Directory.CreateDirectory(dir.Paths.DataDirectory);
        File.WriteAllBytes(dir.Paths.MasterKeyFile, new byte[5]);
        Assert.Contains("damaged", Assert.Throws<KeyStoreException>(store.Load).Message);
    }
}
