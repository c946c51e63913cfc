using AICO.Logging;
using AICO.LogStore;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

/// <summary>
/// `--grep` through the trigram index must answer exactly what the LIKE scan answers (ASCII-only case folding, '%',
/// '_' and '\' literal, texts shorter than a trigram), page for page, for rows at, below and above the watermark.
/// The expected rows come from a model of LIKE in C#, not from the code under test.
/// </summary>
public sealed class LogGrepSearchTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Messages =
    [
        "chat request 17 answered in 42 ms", "CHAT REQUEST 18 ANSWERED", "disk quota at 95% for the log store", "100% done_now",
        "100 percent done", "a_b c\\d e%f", "say \"hello\" and 'bye'", "Grüße aus Köln", "GRÜSSE AUS KÖLN", "ÄBC äbc", "äbc only",
        "Kelvin 5 K and \u212A", "naïve café", "emoji \U0001F600 smile", "ab", "x", "tab\there", "request 7 finished with status 200",
        "bus client state changed to Authenticated after 3 attempts", "answer", "answered", "Answered!", "find key",
    ];

    private static readonly string[] Patterns =
    [
        "answered", "ANSWERED", "AnSwErEd", "quota", "%", "100%", "_", "a_b", "done_", "\\", "c\\d", "e%f", "\"hello\"", "'bye'", "\"",
        "Grüße", "grüße", "GRÜSSE", "Köln", "köln", "ÄBC", "äbc", "Äbc", "\u212A", "kelvin", "K a", "café", "CAFÉ", "naïve", "\U0001F600",
        "\U0001F600 s", "d \u212A", "d k", "ab", "a", "x", "é", "\t", "tab\th", "no such words", "request 7 finished", "status 200", "request", "s", " ",
        "d e", "answered in 42 ms and more", "Authenticated after 3 attempts", "hat", "ed!",
    ];

    private readonly TempDatabase _db = new();
    private readonly List<(long Id, string Timestamp, string Message)> _model = [];

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Grep_through_the_index_returns_exactly_what_the_scan_returns_for_every_pattern_and_page()
    {
        WriteRounds(rounds: 6, indexAfterEach: true);
        Hay(); // the newest rows match no pattern: the probe of the newest rows finds too few, the index must answer
        IndexAll(stepRows: 200);
        WriteRounds(rounds: 1, indexAfterEach: false); // a tail above the watermark

        var (watermark, maxId) = State();
        Assert.True(watermark > 0 && watermark < maxId, $"watermark {watermark} of {maxId}: both parts must be exercised");
        foreach (var pattern in Patterns)
        {
            AssertSameAsModel(pattern);
        }
    }

    [Fact]
    public void Rows_above_the_watermark_are_found_and_merged_in_time_order_with_indexed_ones()
    {
        WriteRounds(rounds: 3, indexAfterEach: true);
        var (watermark, _) = State();
        // A late producer: its records get the highest ids (unindexed) but the oldest timestamps.
        Write("late/x1", 1, ["late answered record", "another answered"], T0.AddMinutes(-5));

        var rows = _db.Query(c => LogQuery.Read(c, new LogFilter { Grep = "answered", Limit = 1000 }));

        Assert.Contains(rows, r => r.Message == "late answered record" && r.Id > watermark);
        Assert.Equal("late answered record", rows[0].Message); // oldest first: the late record is the oldest
        AssertSameAsModel("answered");
        AssertSameAsModel("late");
    }

    [Fact]
    public void Grep_is_the_same_with_the_index_caught_up_or_empty()
    {
        WriteRounds(rounds: 4, indexAfterEach: false);
        Assert.Equal(0, State().Watermark);
        var unindexed = Patterns.Select(p => Ids(p, 7)).ToList();

        while (new LogSearchIndexer(_db.Database, 13).Step() > 0)
        {
        }

        Assert.Equal(State().MaxId, State().Watermark);
        Assert.Equal(unindexed, Patterns.Select(p => Ids(p, 7)).ToList());
    }

    [Fact]
    public void The_walk_over_the_index_does_not_stop_early_when_an_old_id_holds_a_newer_timestamp()
    {
        // A producer whose clock ran ahead: the lowest id, the newest needle; then many ordinary needles above it.
        Write("skewed/s1", 1, ["needle from the future"], T0.AddMinutes(10));
        for (var i = 0; i < 40; i++)
        {
            Write("gateway/g" + i, 1, Enumerable.Repeat("needle ordinary", 20).ToArray(), T0.AddSeconds(i));
        }

        Write("late/x1", 1, ["needle late"], T0.AddSeconds(-1));
        Hay();
        IndexAll(stepRows: 50);

        var newest = _db.Query(c => LogQuery.Page(c, new LogFilter { Grep = "needle", Limit = 1 }));

        Assert.Equal("needle from the future", Assert.Single(newest.Rows).Message);
        AssertSameAsModel("needle");
    }

    [Fact]
    public void Retention_takes_deleted_rows_out_of_the_index_and_reused_ids_are_never_taken_as_indexed()
    {
        WriteRounds(rounds: 3, indexAfterEach: true);
        var ids = _db.Query(c => Sql.Column(c, "SELECT id FROM logs ORDER BY id")).Select(long.Parse).ToList();

        var deleted = LogDeletion.DeleteBefore(_db.Database, T0.AddMinutes(1).AddSeconds(30), batchSize: 5); // the first round
        Assert.True(deleted > 0);
        var left = _db.Query(c => Sql.Column(c, "SELECT id FROM logs ORDER BY id")).Select(long.Parse).ToList();
        Assert.Equal(left, IndexedIds());
        Assert.Empty(ids.Except(left).Intersect(IndexedIds()));
        _model.RemoveAll(m => !left.Contains(m.Id));
        AssertSameAsModel("answered");

        // Everything goes: SQLite hands out id 1 again, which must not count as indexed.
        LogDeletion.DeleteBefore(_db.Database, T0.AddDays(1), batchSize: 7);
        Assert.Empty(IndexedIds());
        Assert.Equal(0, State().Watermark);
        _model.Clear();
        Write("gateway/new", 1, ["answered after the purge"], T0.AddDays(2));
        Assert.Equal(1, State().MaxId);
        Assert.Equal("answered after the purge", Assert.Single(_db.Query(c => LogQuery.Read(c, new LogFilter { Grep = "answered" }))).Message);
    }

    [Fact]
    public void Retention_by_count_removes_index_rows_in_the_same_transactions()
    {
        WriteRounds(rounds: 3, indexAfterEach: true);
        var retention = new LogRetention(_db.Database, new LogConsumerOptions { RetentionMaxAge = null, RetentionMaxRows = 10, RetentionBatchSize = 4 });

        retention.RunOnce();

        var left = _db.Query(c => Sql.Column(c, "SELECT id FROM logs ORDER BY id")).Select(long.Parse).ToList();
        Assert.Equal(10, left.Count);
        Assert.Equal(left, IndexedIds());
    }

    [Fact]
    public void The_match_expression_quotes_every_trigram_and_gives_up_below_three_characters()
    {
        Assert.Null(LogGrepSearch.MatchExpression("ab"));
        Assert.Null(LogGrepSearch.MatchExpression("\U0001F600a")); // two characters, three UTF-16 units
        Assert.Equal("\"a\"\"b\"", LogGrepSearch.MatchExpression("a\"b"));
        Assert.Equal("\"abc\" AND \"bcd\"", LogGrepSearch.MatchExpression("abcd"));
        Assert.Equal("\"aaa\"", LogGrepSearch.MatchExpression("aaaaaa"));
    }

    private void WriteRounds(int rounds, bool indexAfterEach)
    {
        for (var round = 0; round < rounds; round++)
        {
            var start = _model.Count;
            Write($"gateway/r{start}", 1, Messages, T0.AddMinutes(_model.Count / Messages.Length));
            if (indexAfterEach)
            {
                IndexAll(stepRows: 9);
            }
        }
    }

    /// <summary>1,100 rows newer than all others that no pattern matches.</summary>
    private void Hay() => Write("hay/h" + _model.Count, 1, Enumerable.Repeat("zzzzzz", 1_100).ToArray(), T0.AddHours(2));

    private void Write(string producer, long first, IReadOnlyList<string> messages, DateTimeOffset at)
    {
        var entries = messages.Select((m, i) => new LogEntry
        {
            Sequence = first + i,
            Timestamp = at.AddMilliseconds(i),
            Level = LogLevel.Information,
            Category = "AICO.Tests",
            Message = m,
        }).ToList();
        new LogBatchWriter(_db.Database).Write([new LogBatch(producer, entries)]);
        var stored = _db.Query(c => Sql.Column(c, $"SELECT id || char(9) || timestamp FROM logs WHERE {LogQuery.ProducerOfRow} = '{producer}' ORDER BY id"));
        for (var i = 0; i < stored.Count; i++)
        {
            var parts = stored[i].Split('\t');
            _model.Add((long.Parse(parts[0]), parts[1], messages[i]));
        }
    }

    private void IndexAll(int stepRows)
    {
        var indexer = new LogSearchIndexer(_db.Database, stepRows);
        while (indexer.Step() > 0)
        {
        }
    }

    /// <summary>Every page of limit 1, 2, 3 and 100, walked by cursor, against the model; and Read (oldest first).</summary>
    private void AssertSameAsModel(string pattern)
    {
        var expected = _model.Where(m => LikeContains(m.Message, pattern))
            .OrderByDescending(m => m.Timestamp, StringComparer.Ordinal).ThenByDescending(m => m.Id).Select(m => m.Id).ToList();
        foreach (var limit in new[] { 1, 2, 3, 100 })
        {
            var walked = new List<long>();
            var filter = new LogFilter { Grep = pattern, Limit = limit };
            while (true)
            {
                var page = _db.Query(c => LogQuery.Page(c, filter));
                walked.AddRange(page.Rows.Select(r => r.Id));
                if (page.NextBeforeId is not { } next)
                {
                    break;
                }

                filter = filter with { BeforeId = next };
            }

            Assert.True(expected.SequenceEqual(walked), $"grep '{pattern}' limit {limit}: expected [{string.Join(',', expected)}], got [{string.Join(',', walked)}]");
        }

        var newestThree = expected.Take(3).Reverse().ToList();
        Assert.Equal(newestThree, Ids(pattern, 3));
    }

    private List<long> Ids(string pattern, int limit) =>
        _db.Query(c => LogQuery.Read(c, new LogFilter { Grep = pattern, Limit = limit })).Select(r => r.Id).ToList();

    /// <summary>SQLite's LIKE '%text%': ASCII letters fold, every other character must be equal.</summary>
    private static bool LikeContains(string message, string text)
    {
        static string Fold(string s) => string.Concat(s.Select(ch => ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch));
        return Fold(message).Contains(Fold(text), StringComparison.Ordinal);
    }

    private List<long> IndexedIds() => _db.Query(c => Sql.Column(c, "SELECT rowid FROM logs_search ORDER BY rowid")).Select(long.Parse).ToList();

    private (long Watermark, long MaxId) State() =>
        (_db.Scalar("SELECT watermark FROM log_search_state"), _db.Scalar("SELECT coalesce(max(id), 0) FROM logs"));
}
