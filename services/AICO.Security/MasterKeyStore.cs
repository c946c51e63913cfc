using System.Security.Cryptography;

namespace AICO.Security;

/// <summary>
/// The per-install master key: 32 random bytes in a 0600 file inside a 0700 data directory.
/// It is the only secret stored; everything else is derived from it (<see cref="KeyDerivation"/>).
/// </summary>
public sealed class MasterKeyStore(AicoPaths paths)
{
    public const int MasterKeyLength = 32;
    public AicoPaths Paths { get; } = paths;

    public bool Exists => File.Exists(Paths.MasterKeyFile);

    public UnixFileMode? FileMode => Exists && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(Paths.MasterKeyFile) : null;

    /// <summary>Creates a new master key. Refuses to replace an existing one unless <paramref name="force"/>.</summary>
    public void Create(bool force)
    {
        if (Exists && !force)
        {
            throw new KeyStoreException($"A master key already exists at {Paths.MasterKeyFile}; refusing to overwrite it (use --force to replace it, which makes the existing database unreadable).");
        }

        File.Move(WriteNewKeyToTempFile(), Paths.MasterKeyFile, overwrite: force);
    }

    /// <summary>Creates the master key unless one exists. Safe when several processes race: exactly one file wins.</summary>
    public bool CreateIfMissing()
    {
        if (Exists)
        {
            return false;
        }

        var temp = WriteNewKeyToTempFile();
        try
        {
            File.Move(temp, Paths.MasterKeyFile, overwrite: false);
            return true;
        }
        catch (IOException) when (Exists)
        {
            File.Delete(temp);
            return false;
        }
    }

    public byte[] Load()
    {
        if (!Exists)
        {
            throw new KeyStoreException($"No master key at {Paths.MasterKeyFile}. Run 'aico security init' first (or set {AicoPaths.DataDirVariable}).");
        }

        var bytes = File.ReadAllBytes(Paths.MasterKeyFile);
        if (bytes.Length != MasterKeyLength)
        {
            throw new KeyStoreException($"The master key at {Paths.MasterKeyFile} is {bytes.Length} bytes, expected {MasterKeyLength}; the file is damaged.");
        }

        return bytes;
    }

    public KeyDerivation LoadDerivation() => new(Load());

    private string WriteNewKeyToTempFile()
    {
        EnsureDataDirectory();
        return OwnerOnlyFiles.WriteTemp(Paths.MasterKeyFile, RandomNumberGenerator.GetBytes(MasterKeyLength));
    }

    private void EnsureDataDirectory()
    {
        OwnerOnlyFiles.EnsureDirectory(Paths.DataDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Paths.DataDirectory, OwnerOnlyFiles.Directory);
        }
    }
}
