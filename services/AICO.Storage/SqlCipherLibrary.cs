using NativeLibrary = System.Runtime.InteropServices.NativeLibrary;
using SQLitePCL;

namespace AICO.Storage;

/// <summary>
/// Loads libsqlcipher.so (built by this project's build, copied next to the assemblies) and makes it the SQLite
/// that Microsoft.Data.Sqlite uses. Once per process, thread-safe, before any connection opens.
/// </summary>
public static class SqlCipherLibrary
{
    public const string FileName = "libsqlcipher.so";

    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of the loaded library; loads it on first use.</summary>
    public static string EnsureLoaded() => Loaded.Value;

    private static string Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new StorageException(
                $"{FileName} is missing next to the application ({AppContext.BaseDirectory}). It is built by AICO.Storage's " +
                "build (services/AICO.Storage/native/build-sqlcipher.sh, needs gcc, npm and libssl-dev); rebuild the project.");
        }

        var handle = NativeLibrary.Load(path);
        SQLite3Provider_dynamic_cdecl.Setup("sqlcipher", new NativeLibraryExports(handle));
        raw.SetProvider(new SQLite3Provider_dynamic_cdecl());
        SilenceCipherLog();
        return path;
    }

    /// <summary>
    /// SQLCipher prints its own ERROR lines to stderr (e.g. for every page that fails its HMAC check under a wrong key).
    /// Every such failure already reaches the caller as an exception with a clear message, so the process-wide log is
    /// turned off rather than doubling, or garbling, a CLI's or a service's output.
    /// </summary>
    private static void SilenceCipherLog()
    {
        if (raw.sqlite3_open(":memory:", out var db) == raw.SQLITE_OK)
        {
            raw.sqlite3_exec(db, "PRAGMA cipher_log_level = NONE");
        }

        db.Dispose();
    }
}
