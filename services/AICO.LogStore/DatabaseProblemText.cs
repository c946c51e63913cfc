using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>Why a database operation failed, in words a person watching the health page can act on.</summary>
internal static class DatabaseProblemText
{
    public static string Describe(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 26 } => $"the database key does not open the database (wrong key, or not an AICO database): {exception.Message}",
        SqliteException { SqliteErrorCode: 13 } => $"the disk is full: {exception.Message}",
        SqliteException { SqliteErrorCode: 10 } => $"I/O error: {exception.Message}",
        SqliteException { SqliteErrorCode: 8 } => $"the database is read-only: {exception.Message}",
        _ => exception.Message,
    };
}
