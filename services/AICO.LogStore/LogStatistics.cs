using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>What the logs table holds: counts per level and component, delivery accounting per producer, time span.</summary>
public sealed record LogStatistics(
    long Rows,
    string? Oldest,
    string? Newest,
    IReadOnlyDictionary<string, long> ByLevel,
    IReadOnlyDictionary<string, long> ByComponent,
    IReadOnlyList<LogProducerStatistics> Producers)
{
    public static LogStatistics Read(SqliteConnection connection)
    {
        long rows = 0;
        string? oldest = null, newest = null;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT count(*), min(timestamp), max(timestamp) FROM logs";
            using var r = command.ExecuteReader();
            r.Read();
            rows = r.GetInt64(0);
            oldest = r.IsDBNull(1) ? null : r.GetString(1);
            newest = r.IsDBNull(2) ? null : r.GetString(2);
        }

        var byLevel = Groups(connection, "SELECT level, count(*) FROM logs GROUP BY level ORDER BY level");
        // Counted per producer_id on the time index (no table row read), then named through log_producers; a row without
        // a producer_id (its producer has no log_producers row) by its producer text.
        var byComponent = Groups(connection,
            "SELECT coalesce((SELECT component FROM log_producers WHERE id = g.producer_id), g.legacy) AS component, sum(g.n) " +
            "FROM (SELECT producer_id, CASE WHEN producer_id IS NULL THEN " +
            "(CASE WHEN instr(producer, '/') > 0 THEN substr(producer, 1, instr(producer, '/') - 1) ELSE producer END) END AS legacy, count(*) AS n " +
            "FROM logs INDEXED BY ix_logs_time GROUP BY producer_id, legacy) AS g " +
            "GROUP BY component ORDER BY component");

        var producers = new List<LogProducerStatistics>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT producer, component, received, duplicates, gaps, contiguous, max_sequence, first_seen, last_seen FROM log_producers ORDER BY component, first_seen";
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                producers.Add(new LogProducerStatistics(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4),
                    r.GetInt64(5), r.GetInt64(6), r.GetString(7), r.GetString(8)));
            }
        }

        return new LogStatistics(rows, oldest, newest, byLevel, byComponent, producers);
    }

    private static Dictionary<string, long> Groups(SqliteConnection connection, string sql)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            result[r.GetString(0)] = r.GetInt64(1);
        }

        return result;
    }
}
