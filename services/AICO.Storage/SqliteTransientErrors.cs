using Microsoft.Data.Sqlite;

namespace AICO.Storage;

/// <summary>
/// Which SQLite failures are worth another attempt. BUSY and LOCKED clear when the other writer finishes. NOTADB is
/// transient only on a connection whose key was already proven (a page read racing a checkpoint or a fresh file's
/// header); a NOTADB while the key is being checked becomes <see cref="DatabaseKeyMismatchException"/> before it
/// could get here. Everything else (constraints, syntax, I/O, corruption) fails at once.
/// </summary>
internal static class SqliteTransientErrors
{
    public const int Busy = 5;
    public const int Locked = 6;
    public const int NotADatabase = 26;

    public static bool IsTransient(Exception exception) => exception is SqliteException sqlite && IsTransientCode(sqlite.SqliteErrorCode);

    /// <summary>The primary result code decides; extended codes (e.g. BUSY_SNAPSHOT = 517) carry it in the low byte.</summary>
    public static bool IsTransientCode(int sqliteErrorCode) => (sqliteErrorCode & 0xFF) is Busy or Locked or NotADatabase;

    public static string Name(int sqliteErrorCode) => (sqliteErrorCode & 0xFF) switch
    {
        Busy => "busy",
        Locked => "locked",
        NotADatabase => "notadb",
        _ => "other",
    };
}
