using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>
/// Keeps the trigram index of log messages (logs_search, migration 0006) behind the writer: each <see cref="Step"/> is
/// one transaction of its own that indexes the next rows above the watermark in id order, records the highest
/// timestamp seen so far (log_search_ranges) and moves the watermark, all or nothing, so a process killed mid-step
/// leaves neither a duplicate nor a gap. The log consumer calls it only while nothing waits to be written, and a step
/// ends early (commits what it has) as soon as <c>yieldNow</c> says a batch arrived.
/// </summary>
internal sealed class LogSearchIndexer(EncryptedDatabase database, int maxRowsPerStep = LogSearchIndexer.DefaultRowsPerStep, bool mergeFollowsRows = true)
{
    public const int DefaultRowsPerStep = 250;

    private const int MergePagesPerStep = 32;

    private const string InsertSql = "INSERT INTO logs_search (rowid, message) VALUES ($id, $message)";

    /// <summary>Rows indexed since this instance was made.</summary>
    public long IndexedRows { get; private set; }

    /// <summary>Indexes up to the step size (default <see cref="DefaultRowsPerStep"/>) of rows above the watermark; returns how many (0: caught up).</summary>
    public int Step(Func<bool>? yieldNow = null, CancellationToken cancellationToken = default)
    {
        var indexed = database.Execute(connection =>
        {
            // The index is rebuilt from logs after a power loss if it comes to that: no forced commit needed.
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
            var watermark = Scalar(connection, transaction, "SELECT watermark FROM log_search_state WHERE id = 1") as long? ?? 0;
            Execute(connection, transaction, "INSERT INTO logs_search (logs_search, rank) VALUES ('automerge', 0)");

            var (count, lastId, maxTimestamp) = IndexAbove(connection, transaction, watermark, yieldNow);
            if (count == 0)
            {
                return 0;
            }

            // FTS5's automerge folds segments together at commit, and on a large index one such merge held a waiting
            // batch for tens of ms (paced p99 49 ms in logging-pipeline). Off, with a bounded slice of merge work
            // per step instead, the merging is spread over the steps. The slice follows the rows indexed, not the
            // number of steps: a fixed 32 pages after a step of a few rows made the merge work grow with the commit
            // rate (decisions, issue 9).
            Execute(connection, transaction, $"INSERT INTO logs_search (logs_search, rank) VALUES ('merge', {MergePages(count)})");

            var previous = Scalar(connection, transaction, "SELECT max_timestamp FROM log_search_ranges ORDER BY last_id DESC LIMIT 1") as string;
            if (previous is not null && string.CompareOrdinal(previous, maxTimestamp) > 0)
            {
                maxTimestamp = previous;
            }

            using (var range = connection.CreateCommand())
            {
                range.Transaction = transaction;
                range.CommandText =
                    "INSERT INTO log_search_ranges (last_id, max_timestamp) VALUES ($last, $max); " +
                    "UPDATE log_search_state SET watermark = $last WHERE id = 1; " +
                    // Ranges wholly below the oldest row bound nothing any more; the newest one always stays.
                    "DELETE FROM log_search_ranges WHERE last_id < (SELECT min(id) FROM logs) AND last_id < $last";
                range.Parameters.AddWithValue("$last", lastId);
                range.Parameters.AddWithValue("$max", maxTimestamp!);
                range.ExecuteNonQuery();
            }

            transaction.Commit();
            return count;
        }, cancellationToken);
        IndexedRows += indexed;
        return indexed;
    }

    /// <summary>Pages of merge work for a step of <paramref name="rows"/> rows: 32 for a full step, at least 1.</summary>
    internal int MergePages(int rows) => !mergeFollowsRows ? MergePagesPerStep : Math.Max(1, (int)Math.Ceiling(rows * (double)MergePagesPerStep / maxRowsPerStep));

    /// <summary>The id below which (inclusive) every row is indexed.</summary>
    public static long Watermark(SqliteConnection connection) =>
        Scalar(connection, null, "SELECT watermark FROM log_search_state WHERE id = 1") as long? ?? 0;

    private (int Count, long LastId, string? MaxTimestamp) IndexAbove(SqliteConnection connection, SqliteTransaction transaction, long watermark, Func<bool>? yieldNow)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT id, timestamp, message FROM logs WHERE id > $watermark ORDER BY id LIMIT $n";
        select.Parameters.AddWithValue("$watermark", watermark);
        select.Parameters.AddWithValue("$n", maxRowsPerStep);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = InsertSql;
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var message = insert.Parameters.Add("$message", SqliteType.Text);
        insert.Prepare();

        var count = 0;
        long lastId = watermark;
        string? maxTimestamp = null;
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            lastId = reader.GetInt64(0);
            var timestamp = reader.GetString(1);
            if (maxTimestamp is null || string.CompareOrdinal(timestamp, maxTimestamp) > 0)
            {
                maxTimestamp = timestamp;
            }

            id.Value = lastId;
            message.Value = reader.GetString(2);
            insert.ExecuteNonQuery();
            count++;
            if ((count & 31) == 0 && yieldNow?.Invoke() == true)
            {
                break;
            }
        }

        return (count, lastId, maxTimestamp);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
