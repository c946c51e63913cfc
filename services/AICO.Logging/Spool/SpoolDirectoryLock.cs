namespace AICO.Logging.Spool;

/// <summary>
/// Ownership of a spool directory: an exclusive lock (flock) on its <c>owner.lock</c>, held while a process uses the
/// spool. The kernel releases it when the process dies, however it dies, so a spool whose lock can be taken belongs
/// to nobody and may be adopted; a spool whose owner still runs cannot be (no pid files that a reused pid could fool).
/// </summary>
internal sealed class SpoolDirectoryLock : IDisposable
{
    public const string FileName = "owner.lock";

    private readonly FileStream _file;

    private SpoolDirectoryLock(FileStream file) => _file = file;

    public string Path => _file.Name;

    /// <summary>The lock, or null when another process (or another spool in this one) holds it.</summary>
    public static SpoolDirectoryLock? TryAcquire(string directory)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            return new SpoolDirectoryLock(new FileStream(System.IO.Path.Combine(directory, FileName), options));
        }
        catch (IOException) when (File.Exists(System.IO.Path.Combine(directory, FileName)))
        {
            return null;
        }
    }

    /// <summary>Removes the lock file (the directory is being deleted) and releases the lock.</summary>
    public void Delete()
    {
        try
        {
            File.Delete(_file.Name);
        }
        catch (IOException)
        {
        }

        Dispose();
    }

    public void Dispose() => _file.Dispose();
}
