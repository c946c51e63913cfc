using Microsoft.Data.Sqlite;

namespace AICO.TestSupport;

internal static class Sql
{
    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static long Long(SqliteConnection connection, string sql) => Convert.ToInt64(Scalar(connection, sql), System.Globalization.CultureInfo.InvariantCulture);

    public static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    /// <summary>Inserts one log row (a plain INSERT: de-duplication is the log consumer's accounting, not the table's).</summary>
    public static int InsertLog(SqliteConnection connection, SqliteTransaction? transaction, string producer, long sequence, string message, string? extra = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT INTO logs (timestamp, level, subsystem, module, topic, message, extra, producer, sequence) " +
            "VALUES ('2026-01-01T00:00:00Z', 'Information', 'test', 'tests', 'logs/test/tests/v1', $message, $extra, $producer, $sequence)";
        command.Parameters.AddWithValue("$message", message);
        command.Parameters.AddWithValue("$extra", (object?)extra ?? DBNull.Value);
        command.Parameters.AddWithValue("$producer", producer);
        command.Parameters.AddWithValue("$sequence", sequence);
        return command.ExecuteNonQuery();
    }
}
