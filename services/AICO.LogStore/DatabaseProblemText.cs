using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>Why a database operation failed, in words a person watching the health page can act on.</summary>
internal static class DatabaseProblemText
{
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CannotOpen = 14;
    private const int NotADatabase = 26;

    public static string Describe(Exception exception) => exception switch
    {
        SqliteException sqlite => Describe(sqlite),
        IOException io => $"I/O error: {io.Message}",
        _ => exception.Message,
    };

    // Microsoft.Data.Sqlite reports the primary code, SQLite's extended code (which of read, write, fsync failed) beside it.
    private static string Describe(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) switch
    {
        NotADatabase => $"the database key does not open the database (wrong key, or not an AICO database): {exception.Message}",
        Full => $"the disk is full: {exception.Message}",
        IoError => $"I/O error{IoOperation(exception.SqliteExtendedErrorCode)}: {exception.Message}",
        CannotOpen => $"the database file cannot be opened (missing directory, permissions, or an I/O error): {exception.Message}",
        Corrupt => $"the database file is damaged: {exception.Message}",
        ReadOnly => $"the database is read-only: {exception.Message}",
        _ => exception.Message,
    };

    private static string IoOperation(int extendedCode) => extendedCode switch
    {
        266 => " reading the database",
        522 => " (short read) reading the database",
        778 => " writing the database",
        1034 => " flushing the database to the disk (fsync)",
        1290 => " flushing the database directory to the disk (fsync)",
        _ => string.Empty,
    };
}
