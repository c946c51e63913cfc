using AICO.LogStore;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

public sealed class LogQueryTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public LogQueryTests()
    {
        var writer = new LogBatchWriter(_db.Database);
        var batch = TestLogs.Batch("gateway/a1", 1, 10, traceId: "0af7651916cd43dd8448eb211c80319c");
        writer.Write([
            batch,
            TestLogs.Batch("modelservice/b2", 1, 5, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning),
            TestLogs.Batch("logconsumer/c3", 1, 2, "Program", LogLevel.Error),
        ]);
    }

    public void Dispose() => _db.Dispose();

    private IReadOnlyList<LogRecordRow> Read(LogFilter filter) => _db.Query(c => LogQuery.Read(c, filter));

    [Fact]
    public void Level_means_that_level_and_more_severe()
    {
        Assert.Equal(7, Read(new LogFilter { MinimumLevel = LogLevel.Warning }).Count);
        Assert.Equal(2, Read(new LogFilter { MinimumLevel = LogLevel.Error }).Count);
        Assert.Equal(17, Read(new LogFilter { MinimumLevel = LogLevel.Trace }).Count);
    }

    [Fact]
    public void Component_subsystem_trace_and_grep_filter_as_documented()
    {
        Assert.All(Read(new LogFilter { Component = "gateway" }), r => Assert.Equal("gateway", r.Component));
        Assert.Equal(10, Read(new LogFilter { Component = "gateway" }).Count);
        Assert.Empty(Read(new LogFilter { Component = "gate" }));
        Assert.Equal(5, Read(new LogFilter { Subsystem = "Microsoft.AspNetCore" }).Count);
        Assert.Empty(Read(new LogFilter { Subsystem = "Microsoft.Asp" }));
        Assert.Equal("record 4", Assert.Single(Read(new LogFilter { TraceId = "0AF7651916CD43DD8448EB211C80319C" })).Message);
        Assert.Equal(4, Read(new LogFilter { Grep = "RECORD 1" }).Count); // gateway 1 and 10, modelservice 1, logconsumer 1
    }

    [Fact]
    public void Grep_is_a_literal_substring_not_a_pattern()
    {
        Assert.Empty(Read(new LogFilter { Grep = "record _" }));
        Assert.Empty(Read(new LogFilter { Grep = "%" }));
        Assert.Equal(17, Read(new LogFilter { Grep = "record " }).Count);
    }

    [Fact]
    public void Time_range_and_limit_return_the_newest_rows_in_time_order()
    {
        var t0 = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var rows = Read(new LogFilter { Component = "gateway", Since = t0.AddMilliseconds(3), Until = t0.AddMilliseconds(8) });
        Assert.Equal(["record 3", "record 4", "record 5", "record 6", "record 7"], rows.Select(r => r.Message));

        var newest = Read(new LogFilter { Component = "gateway", Limit = 3 });
        Assert.Equal(["record 8", "record 9", "record 10"], newest.Select(r => r.Message));

        var after = Read(new LogFilter { AfterId = newest[^1].Id - 1, Limit = null });
        Assert.Contains(after, r => r.Id == newest[^1].Id);
    }

    [Fact]
    public void Component_is_the_exact_component_never_a_producer_id_or_a_prefix()
    {
        Assert.Empty(Read(new LogFilter { Component = "gateway/a1" }));
        Assert.Empty(Read(new LogFilter { Component = "model" }));
        Assert.Equal(5, Read(new LogFilter { Component = "modelservice" }).Count);
    }

    [Fact]
    public void A_row_whose_producer_has_no_accounting_row_is_still_found_by_its_component_and_counted()
    {
        // Rows written before the accounting existed (or by hand) have no producer_id: the filter falls back to the text.
        _db.Database.Write((c, tx) => Sql.InsertLog(c, tx, "gateway/old", 1, "legacy row") + Sql.InsertLog(c, tx, "gatewayx/old", 1, "other component"));
        Assert.Equal(2, _db.Scalar("SELECT count(*) FROM logs WHERE producer_id IS NULL"));

        var gateway = Read(new LogFilter { Component = "gateway" });
        Assert.Equal(11, gateway.Count);
        Assert.Contains(gateway, r => r.Message == "legacy row");
        Assert.Equal(["other component"], Read(new LogFilter { Component = "gatewayx" }).Select(r => r.Message));
        Assert.Equal("legacy row", Assert.Single(Read(new LogFilter { Component = "gateway", Grep = "legacy" })).Message);
        var stats = _db.Query(LogStatistics.Read);
        Assert.Equal(11, stats.ByComponent["gateway"]);
        Assert.Equal(1, stats.ByComponent["gatewayx"]);
        Assert.Equal(5, stats.ByComponent["modelservice"]);
    }

    [Fact]
    public void Paging_by_before_id_walks_time_order_once_even_when_an_older_record_is_stored_later()
    {
        // A producer that buffered while the consumer was away: its record gets the highest id but an old timestamp.
        new LogBatchWriter(_db.Database).Write([TestLogs.Batch("broker/d4", 1, 1)]);
        var all = Read(new LogFilter { Limit = null });

        var walked = new List<LogRecordRow>();
        var filter = new LogFilter { Limit = 4 };
        while (true)
        {
            var page = _db.Query(c => LogQuery.Page(c, filter));
            walked.AddRange(page.Rows);
            if (page.NextBeforeId is not { } next)
            {
                break;
            }

            filter = filter with { BeforeId = next };
        }

        Assert.Equal(all.Reverse().Select(r => r.Id), walked.Select(r => r.Id));
        Assert.NotEqual(walked.Select(r => r.Id).OrderDescending(), walked.Select(r => r.Id));
        Assert.Equal(all.Count, walked.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void A_page_after_a_cursor_row_that_was_deleted_is_empty()
    {
        var first = _db.Query(c => LogQuery.Page(c, new LogFilter { Limit = 3 }));
        _db.Database.Write((c, tx) => Sql.Scalar(c, $"DELETE FROM logs WHERE id = {first.NextBeforeId}", tx));

        Assert.Empty(_db.Query(c => LogQuery.Page(c, new LogFilter { Limit = 3, BeforeId = first.NextBeforeId })).Rows);
    }

    [Fact]
    public void A_limit_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Read(new LogFilter { Limit = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _db.Query(c => LogQuery.Page(c, new LogFilter { Limit = null })));
    }
}
