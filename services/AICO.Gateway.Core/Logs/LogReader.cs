using AICO.LogStore;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.Gateway.Logs;

/// <summary>
/// Reads and trims the logs table of the encrypted database for the gateway. Every value is a parameter, never SQL
/// text. Paging is by row id, newest first, so a page boundary never moves while new rows arrive.
/// </summary>
internal sealed class LogReader(EncryptedDatabase database)
{
    private const int DeleteBatch = 5_000;

    public Task<LogPage> QueryAsync(LogsQuery query, CancellationToken cancellationToken) => Task.Run(() => database.Execute(connection =>
    {
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.MinimumLevel is { } level)
        {
            var names = LogLevelNames.AtLeast(level);
            where.Add("level IN (" + string.Join(", ", names.Select((n, i) => Parameter(command, "$level" + i, n))) + ")");
        }

        if (query.Component is { } component)
        {
            where.Add($"(producer = {Parameter(command, "$component", component)} OR substr(producer, 1, length($component) + 1) = $component || '/')");
        }

        if (query.Subsystem is { } subsystem)
        {
            where.Add($"(subsystem = {Parameter(command, "$subsystem", subsystem)} OR substr(subsystem, 1, length($subsystem) + 1) = $subsystem || '.')");
        }

        if (query.Since is { } since)
        {
            where.Add("timestamp >= " + Parameter(command, "$since", LogTimestamps.ToText(since)));
        }

        if (query.Until is { } until)
        {
            where.Add("timestamp < " + Parameter(command, "$until", LogTimestamps.ToText(until)));
        }

        if (query.TraceId is { } traceId)
        {
            where.Add("trace_id = " + Parameter(command, "$trace_id", traceId.ToLowerInvariant()));
        }

        if (query.Grep is { } grep)
        {
            var escaped = grep.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
            where.Add($"message LIKE '%' || {Parameter(command, "$grep", escaped)} || '%' ESCAPE '\\'");
        }

        if (query.Cursor is { } cursor)
        {
            where.Add("id < " + Parameter(command, "$cursor", cursor));
        }

        command.CommandText =
            "SELECT id, timestamp, level, subsystem, module, topic, message, trace_id, session_id, extra FROM logs"
            + (where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where))
            + " ORDER BY id DESC LIMIT " + Parameter(command, "$limit", query.Limit + 1);
        var items = new List<LogEntry>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            items.Add(new LogEntry(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                Nullable(r, 7), Nullable(r, 8), Nullable(r, 9)));
        }

        var more = items.Count > query.Limit;
        if (more)
        {
            items.RemoveAt(items.Count - 1);
        }

        return new LogPage(items, more ? items[^1].Id : null);
    }, cancellationToken), cancellationToken);

    /// <summary>Rows per level and component, per-producer delivery accounting, time span (shared with `aico logs stat`).</summary>
    public Task<LogStatistics> StatsAsync(CancellationToken cancellationToken) =>
        Task.Run(() => database.Execute(LogStatistics.Read, cancellationToken), cancellationToken);

    /// <summary>Deletes rows older than <paramref name="before"/> in small transactions (shared with `aico logs rm`).</summary>
    public Task<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.Run(() => LogDeletion.DeleteBefore(database, before, DeleteBatch, cancellationToken), cancellationToken);

    private static string Parameter(SqliteCommand command, string name, object value)
    {
        command.Parameters.AddWithValue(name, value);
        return name;
    }

    private static string? Nullable(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
