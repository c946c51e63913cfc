using AICO.Storage;

namespace AICO.LogStore;

/// <summary>
/// Deletes log rows older than the maximum age and beyond the maximum count (oldest first), a small batch per
/// transaction so the consumer's writes never wait long behind it.
/// </summary>
internal sealed class LogRetention(EncryptedDatabase database, LogConsumerOptions options, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <returns>Rows deleted.</returns>
    public long RunOnce(CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        if (options.RetentionMaxAge is { } maxAge)
        {
            deleted += DeleteOlderThan(LogTimestamps.ToText(_time.GetUtcNow() - maxAge), cancellationToken);
        }

        if (options.RetentionMaxRows is { } maxRows)
        {
            var count = database.Execute(c => Scalar(c, "SELECT count(*) FROM logs"), cancellationToken);
            if (count > maxRows)
            {
                var excess = count - maxRows;
                while (excess > 0 && !cancellationToken.IsCancellationRequested)
                {
                    var n = database.Write((c, t) =>
                    {
                        using var command = c.CreateCommand();
                        command.Transaction = t;
                        command.CommandText = "DELETE FROM logs WHERE id IN (SELECT id FROM logs ORDER BY id LIMIT $n)";
                        command.Parameters.AddWithValue("$n", Math.Min(excess, options.RetentionBatchSize));
                        return command.ExecuteNonQuery();
                    }, cancellationToken);
                    if (n == 0)
                    {
                        break;
                    }

                    excess -= n;
                    deleted += n;
                }
            }
        }

        return deleted;
    }

    internal long DeleteOlderThan(string cutoff, CancellationToken cancellationToken)
    {
        long deleted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var n = database.Write((c, t) =>
            {
                using var command = c.CreateCommand();
                command.Transaction = t;
                command.CommandText = "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE timestamp < $cutoff ORDER BY timestamp LIMIT $batch)";
                command.Parameters.AddWithValue("$cutoff", cutoff);
                command.Parameters.AddWithValue("$batch", options.RetentionBatchSize);
                return command.ExecuteNonQuery();
            }, cancellationToken);
            deleted += n;
            if (n < options.RetentionBatchSize)
            {
                break;
            }
        }

        return deleted;
    }

    private static long Scalar(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
