using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore;

/// <summary>
/// The one reader of the logs table, for `aico logs` and GET /api/v1/logs alike: one parameterised SELECT (no user
/// text in the SQL) per <see cref="LogFilter"/>, in time order (timestamp, then id). Under a limit the newest rows are
/// chosen; <see cref="Read"/> hands them back oldest first, <see cref="Page"/> newest first with a cursor.
/// </summary>
public static class LogQuery
{
    /// <summary>A row's producer: by producer_id through log_producers, or the row's own text (a row without an id; schema 8).</summary>
    internal const string ProducerOfRow = "coalesce(producer, (SELECT p.producer FROM log_producers AS p WHERE p.id = logs.producer_id))";

    private const string Columns =
        "id, timestamp, level, " + ProducerOfRow + " AS producer, " +
        "subsystem, module, topic, message, trace_id, span_id, session_id, exception, extra, sequence, created_at";

    /// <summary>Rows matching <paramref name="filter"/>, in time order.</summary>
    public static IReadOnlyList<LogRecordRow> Read(SqliteConnection connection, LogFilter filter)
    {
        if (filter.Limit is >= 1 and <= LogFilter.MaxLimit and int take && LogGrepSearch.Newest(connection, filter, take) is { } found)
        {
            found.Reverse();
            return found;
        }

        var rows = new List<LogRecordRow>();
        foreach (var row in Stream(connection, filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Streams matching rows without holding them all (export); in time order.</summary>
    public static IEnumerable<LogRecordRow> Stream(SqliteConnection connection, LogFilter filter)
    {
        using var command = Build(connection, filter);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return ReadRow(reader);
        }
    }

    /// <summary>
    /// The newest <see cref="LogFilter.Limit"/> matching rows, newest first, and the cursor for the next (older) page:
    /// pass it back as <see cref="LogFilter.BeforeId"/>; null when nothing older matches.
    /// </summary>
    public static LogRowPage Page(SqliteConnection connection, LogFilter filter)
    {
        if (filter.Limit is not { } limit || limit is < 1 or > LogFilter.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter.Limit, $"A page holds between 1 and {LogFilter.MaxLimit} rows.");
        }

        var rows = LogGrepSearch.Newest(connection, filter, limit + 1)
            ?? Select(connection, filter, "logs", null, null, " ORDER BY timestamp DESC, id DESC LIMIT $limit", limit + 1);
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new LogRowPage(rows, more ? rows[^1].Id : null);
    }

    /// <summary>The id of the newest stored row (0 for an empty table): where `tail -f` starts following.</summary>
    public static long MaxId(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(id), 0) FROM logs";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static long Count(SqliteConnection connection, LogFilter filter)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, filter);
        command.CommandText = $"SELECT count(*) FROM logs{where}";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static SqliteCommand Build(SqliteConnection connection, LogFilter filter)
    {
        if (filter.Limit is < 1 or > LogFilter.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter.Limit, $"The limit is between 1 and {LogFilter.MaxLimit}.");
        }

        var command = connection.CreateCommand();
        var where = Where(command, filter);
        if (filter.Limit is { } limit)
        {
            command.Parameters.AddWithValue("$limit", limit);
            command.CommandText =
                $"SELECT * FROM (SELECT {Columns} FROM logs{where} ORDER BY timestamp DESC, id DESC LIMIT $limit) ORDER BY timestamp, id";
        }
        else
        {
            command.CommandText = $"SELECT {Columns} FROM logs{where} ORDER BY timestamp, id";
        }

        return command;
    }

    /// <summary>
    /// Rows of <paramref name="from"/> (logs, optionally with an indexing hint) matching the filter and
    /// <paramref name="clause"/> (our SQL; values bound by <paramref name="bind"/>), then <paramref name="tail"/>
    /// (ORDER BY / LIMIT $limit).
    /// </summary>
    internal static List<LogRecordRow> Select(
        SqliteConnection connection, LogFilter filter, string from, string? clause, Action<SqliteCommand>? bind, string tail, int? limit = null)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, filter);
        if (clause is not null)
        {
            where = where.Length == 0 ? " WHERE " + clause : where + " AND " + clause;
        }

        bind?.Invoke(command);
        if (limit is { } n)
        {
            command.Parameters.AddWithValue("$limit", n);
        }

        command.CommandText = $"SELECT {Columns} FROM {from}{where}{tail}";
        return ReadAll(command);
    }

    /// <summary>
    /// The newest <paramref name="take"/> rows matching the filter among the newest <paramref name="scanned"/> rows
    /// matching it without its grep text, newest first.
    /// </summary>
    internal static List<LogRecordRow> NewestAmongScanned(SqliteConnection connection, LogFilter filter, int scanned, int take)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, filter with { Grep = null });
        command.Parameters.AddWithValue("$scanned", scanned);
        command.Parameters.AddWithValue("$limit", take);
        command.Parameters.AddWithValue("$grep", EscapeLike(filter.Grep!));
        command.CommandText =
            $"SELECT * FROM (SELECT {Columns} FROM logs{where} ORDER BY timestamp DESC, id DESC LIMIT $scanned) " +
            "WHERE message LIKE '%' || $grep || '%' ESCAPE '\\' ORDER BY timestamp DESC, id DESC LIMIT $limit";
        return ReadAll(command);
    }

    private static List<LogRecordRow> ReadAll(SqliteCommand command)
    {
        var rows = new List<LogRecordRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    private static string Where(SqliteCommand command, LogFilter filter)
    {
        var clauses = new List<string>();
        if (filter.MinimumLevel is { } level)
        {
            clauses.Add(LevelClause(level));
        }

        if (!string.IsNullOrEmpty(filter.Component))
        {
            // Tested on the time index's entry (producer_id) against the few producers of the component; a row
            // without a producer_id (one whose producer has no log_producers row) by its producer text.
            clauses.Add("(producer_id IN (SELECT id FROM log_producers WHERE substr(producer, 1, length($component) + 1) = $component || '/') " +
                "OR (producer_id IS NULL AND substr(producer, 1, length($component) + 1) = $component || '/'))");
            command.Parameters.AddWithValue("$component", filter.Component);
        }

        if (!string.IsNullOrEmpty(filter.Subsystem))
        {
            clauses.Add("(subsystem = $subsystem OR substr(subsystem, 1, length($subsystem) + 1) = $subsystem || '.')");
            command.Parameters.AddWithValue("$subsystem", filter.Subsystem);
        }

        if (filter.Since is { } since)
        {
            clauses.Add("timestamp >= $since");
            command.Parameters.AddWithValue("$since", LogTimestamps.ToText(since));
        }

        if (filter.Until is { } until)
        {
            clauses.Add("timestamp < $until");
            command.Parameters.AddWithValue("$until", LogTimestamps.ToText(until));
        }

        if (!string.IsNullOrEmpty(filter.TraceId))
        {
            clauses.Add("trace_id = $trace_id");
            command.Parameters.AddWithValue("$trace_id", filter.TraceId.ToLowerInvariant());
        }

        if (!string.IsNullOrEmpty(filter.Grep))
        {
            clauses.Add("message LIKE '%' || $grep || '%' ESCAPE '\\'");
            command.Parameters.AddWithValue("$grep", EscapeLike(filter.Grep));
        }

        if (filter.AfterId is { } afterId)
        {
            clauses.Add("id > $after_id");
            command.Parameters.AddWithValue("$after_id", afterId);
        }

        if (filter.BeforeId is { } beforeId)
        {
            clauses.Add("(timestamp, id) < (SELECT timestamp, id FROM logs WHERE id = $before_id)");
            command.Parameters.AddWithValue("$before_id", beforeId);
        }

        return clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
    }

    /// <summary>
    /// Level names are our constants, written into the SQL as literals; the time index (ix_logs_time) carries the
    /// level, so a rare level is found by scanning index entries, not table rows.
    /// </summary>
    internal static string LevelClause(LogLevel minimum) =>
        $"level IN ({string.Join(", ", LogLevelNames.AtLeast(minimum).Select(n => $"'{n}'"))})";

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static LogRecordRow ReadRow(SqliteDataReader r)
    {
        var producer = r.GetString(3);
        return new LogRecordRow(
            Id: r.GetInt64(0),
            Timestamp: r.GetString(1),
            Level: r.GetString(2),
            Component: LogBatchWriter.ComponentOf(producer),
            Subsystem: r.GetString(4),
            Module: r.GetString(5),
            Topic: r.GetString(6),
            Message: r.GetString(7),
            TraceId: Text(r, 8),
            SpanId: Text(r, 9),
            SessionId: Text(r, 10),
            Exception: Text(r, 11),
            Extra: Text(r, 12),
            Producer: producer,
            Sequence: r.GetInt64(13),
            CreatedAt: r.GetString(14));
    }

    private static string? Text(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
