using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>
/// `--grep` through the trigram index (logs_search, kept behind the writer by <see cref="LogSearchIndexer"/>), with
/// exactly the results of the LIKE scan: the index only proposes rows (every trigram of the text, folded as FTS5
/// folds case, which is looser than LIKE's ASCII-only folding), and the same WHERE as without the index, LIKE
/// included, decides. Rows above the watermark are read directly (rowid range) with that WHERE. The indexed rows are
/// walked from the highest id down in chunks; the walk stops once the page is full and log_search_ranges says no
/// lower id holds a newer timestamp than the page's oldest row (ids follow arrival, not record time).
/// Returns null when the index cannot serve: a text of fewer than three characters has no trigram, and a long
/// unindexed tail (the consumer not running for a while, a migrated file not yet indexed) is cheaper to scan.
/// </summary>
internal static class LogGrepSearch
{
    /// <summary>Above this many unindexed rows, grep scans newest-first as it did without the index.</summary>
    internal const long MaxUnindexedTail = 50_000;

    /// <summary>A long text proposes rows by at most this many of its trigrams (fewer terms: a larger superset).</summary>
    private const int MaxTrigrams = 16;

    private const int MaxChunk = 4_096;

    /// <summary>How many of the newest rows the probe reads with LIKE before the index is asked (about a millisecond).</summary>
    private const int ProbeRows = 1_000;

    /// <summary>Newest first (timestamp, then id, descending), at most <paramref name="take"/> rows; null: scan instead.</summary>
    public static List<LogRecordRow>? Newest(SqliteConnection connection, LogFilter filter, int take)
    {
        if (string.IsNullOrEmpty(filter.Grep) || MatchExpression(filter.Grep) is not { } match)
        {
            return null;
        }

        // A common text fills the page among the newest rows: scanning those beats walking the index (whose ids
        // follow arrival, not record time). Exact: every match outside them is older than all of them.
        var probe = LogQuery.NewestAmongScanned(connection, filter, ProbeRows, take);
        if (probe.Count == take)
        {
            return probe;
        }

        var (watermark, maxId) = State(connection);
        if (maxId - watermark > MaxUnindexedTail)
        {
            return null;
        }

        var rows = maxId > watermark
            ? LogQuery.Select(connection, filter, "logs NOT INDEXED", "id > $watermark", c => c.Parameters.AddWithValue("$watermark", watermark),
                " ORDER BY timestamp DESC, id DESC LIMIT $limit", take)
            : [];
        var since = filter.Since is { } s ? LogTimestamps.ToText(s) : null;
        var below = watermark; // the next chunk holds ids <= below
        var chunk = Math.Max(take, 64);
        while (below > 0)
        {
            var ids = Candidates(connection, match, below, filter.AfterId, chunk);
            if (ids.Count > 0)
            {
                rows.AddRange(LogQuery.Select(connection, filter, "logs", $"id IN ({string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))})", null, ""));
                rows.Sort(NewestFirst);
                if (rows.Count > take)
                {
                    rows.RemoveRange(take, rows.Count - take);
                }
            }

            if (ids.Count < chunk)
            {
                break;
            }

            below = ids[^1] - 1;
            var newestBelow = MaxTimestampUpTo(connection, below);
            if (newestBelow is not null
                && ((rows.Count == take && string.CompareOrdinal(newestBelow, rows[^1].Timestamp) <= 0)
                    || (since is not null && string.CompareOrdinal(newestBelow, since) < 0)))
            {
                break; // no id left can be newer than the page's oldest row (or within --since)
            }

            chunk = Math.Min(chunk * 2, MaxChunk);
        }

        return rows;
    }

    /// <summary>
    /// The FTS5 expression proposing the rows that contain <paramref name="grep"/>: its trigrams (Unicode characters,
    /// as FTS5 splits them), each a quoted string, joined by AND. Null below three characters.
    /// </summary>
    internal static string? MatchExpression(string grep)
    {
        var characters = new List<string>();
        foreach (var rune in grep.EnumerateRunes())
        {
            characters.Add(rune.ToString());
        }

        if (characters.Count < 3)
        {
            return null;
        }

        var trigrams = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 3 <= characters.Count; i++)
        {
            var trigram = characters[i] + characters[i + 1] + characters[i + 2];
            if (seen.Add(trigram))
            {
                trigrams.Add(trigram);
            }
        }

        if (trigrams.Count > MaxTrigrams)
        {
            // Spread over the whole text, first and last included.
            trigrams = Enumerable.Range(0, MaxTrigrams).Select(i => trigrams[(int)((long)i * (trigrams.Count - 1) / (MaxTrigrams - 1))]).Distinct().ToList();
        }

        var expression = new StringBuilder();
        foreach (var trigram in trigrams)
        {
            expression.Append(expression.Length == 0 ? "\"" : " AND \"").Append(trigram.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        return expression.ToString();
    }

    private static (long Watermark, long MaxId) State(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT watermark FROM log_search_state WHERE id = 1), (SELECT coalesce(max(id), 0) FROM logs)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.IsDBNull(0) ? 0 : reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Ids the index proposes, highest first, at most <paramref name="chunk"/>, each at most <paramref name="below"/>.</summary>
    private static List<long> Candidates(SqliteConnection connection, string match, long below, long? afterId, int chunk)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid FROM logs_search WHERE logs_search MATCH $match AND rowid <= $below" +
                              (afterId is null ? "" : " AND rowid > $after") + " ORDER BY rowid DESC LIMIT $chunk";
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$below", below);
        command.Parameters.AddWithValue("$chunk", chunk);
        if (afterId is { } after)
        {
            command.Parameters.AddWithValue("$after", after);
        }

        var ids = new List<long>(chunk);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>An upper bound of the timestamps of rows with id &lt;= <paramref name="id"/>; null when none is recorded.</summary>
    private static string? MaxTimestampUpTo(SqliteConnection connection, long id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT max_timestamp FROM log_search_ranges WHERE last_id >= $id ORDER BY last_id LIMIT 1";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() as string;
    }

    private static int NewestFirst(LogRecordRow a, LogRecordRow b)
    {
        var byTime = string.CompareOrdinal(b.Timestamp, a.Timestamp);
        return byTime != 0 ? byTime : b.Id.CompareTo(a.Id);
    }
}
