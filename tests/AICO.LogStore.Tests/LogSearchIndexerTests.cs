using AICO.Security;
using AICO.Logging;
using AICO.LogStore;
using AICO.Storage;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

/// <summary>
/// The index behind the writer: all or nothing per step (a kill -9 of the real consumer process mid-backfill leaves
/// neither duplicates nor gaps, and the next process resumes), correct beside a writer that holds the lock, and run
/// by the consumer while it is idle.
/// </summary>
public sealed class LogSearchIndexerTests
{
    [Fact]
    public async Task A_consumer_process_killed_while_indexing_leaves_no_duplicate_or_gap_and_the_next_one_completes_the_index()
    {
        await using var pipeline = new PipelineFixture();
        Backlog(pipeline.Database, rows: 60_000);
        var first = pipeline.StartConsumerProcess();
        await pipeline.WaitForAsync(() => Watermark(pipeline.Database) >= 2_000, "the consumer process indexes the backlog");

        first.Kill();
        var (watermark, indexed) = IndexState(pipeline.Database);
        Assert.True(watermark < 60_000, $"killed after the backfill finished (watermark {watermark}): nothing was interrupted");
        Assert.Equal(Enumerable.Range(1, (int)watermark).Select(i => (long)i), indexed);

        var second = pipeline.StartConsumerProcess();
        // The consumer also stores its own log records: the index must reach whatever the newest row is.
        await pipeline.WaitForAsync(() => Watermark(pipeline.Database) == pipeline.Count("SELECT max(id) FROM logs"), $"the next consumer process completes the index (killed at {watermark})");
        second.Kill();
        var all = pipeline.Database.Execute(c => Sql.Column(c, "SELECT id FROM logs ORDER BY id")).Select(long.Parse);
        Assert.Equal(all, IndexState(pipeline.Database).Indexed);
        Assert.Equal(11, pipeline.Database.Execute(c => LogQuery.Read(c, new LogFilter { Grep = "row 1234", Limit = 100 })).Count); // 1234, 12340-12349
    }

    [Fact]
    public async Task An_indexer_beside_a_writer_that_holds_the_lock_waits_its_turn_and_indexes_every_row_once()
    {
        using var temp = new TempDatabase();
        var writerDatabase = new EncryptedDatabase(ShortBusyTimeout(temp));
        var indexerDatabase = new EncryptedDatabase(ShortBusyTimeout(temp));
        writerDatabase.Migrate();
        using var done = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            var batches = new LogBatchWriter(writerDatabase);
            for (var i = 0; i < 60; i++)
            {
                batches.Write([Batch("gateway/w1", 1 + i * 500L, 500)]);
            }

            done.Cancel();
        });
        var indexer = Task.Run(() =>
        {
            var search = new LogSearchIndexer(indexerDatabase, 300);
            while (!done.IsCancellationRequested)
            {
                search.Step();
            }

            while (search.Step() > 0)
            {
            }
        });
        await Task.WhenAll(writer, indexer).WaitAsync(TimeSpan.FromMinutes(2));

        var (watermark, indexed) = IndexState(temp.Database);
        Assert.Equal(30_000, watermark);
        Assert.Equal(Enumerable.Range(1, 30_000).Select(i => (long)i), indexed);
    }

    [Fact]
    public async Task The_consumer_indexes_what_it_wrote_once_it_is_idle()
    {
        await using var pipeline = new PipelineFixture();
        var consumer = pipeline.StartConsumerInProcess();
        var producer = pipeline.StartProducer(Components.Gateway, 3_000, startup: 0);
        Assert.True(await producer.WaitForExitAsync(PipelineFixture.Deadline) == 0, producer.Output);

        await pipeline.WaitForAsync(() => consumer.Indexing.CaughtUp && Watermark(pipeline.Database) == pipeline.Count("SELECT max(id) FROM logs"),
            "the idle consumer caught up with the index");
        Assert.Equal(pipeline.Count("SELECT count(*) FROM logs"), IndexState(pipeline.Database).Indexed.Count);
    }

    [Fact]
    public async Task A_consumer_disposed_while_it_indexes_a_backlog_stops_rather_than_spinning_on_rows_due_at_once()
    {
        // Rows from before the start are due at once; a stop requested mid-backlog once left the writer asking again and
        // again (the wait for a batch returned "index now", the cancelled indexing did nothing), so disposal never ended.
        await using var pipeline = new PipelineFixture();
        Backlog(pipeline.Database, rows: 300_000);
        var consumer = new LogConsumer(pipeline.Client(Components.LogConsumer), pipeline.Database, new LogConsumerOptions());
        consumer.Start();
        await pipeline.WaitForAsync(() => consumer.Indexing.Indexer.IndexedRows > 0, "the consumer indexing the backlog");

        await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(consumer.Indexing.CaughtUp);
    }

    [Fact]
    public void Small_commits_do_not_each_start_an_indexing_step_the_rows_wait_until_enough_of_them_or_the_lag_has_passed()
    {
        using var temp = new TempDatabase();
        temp.Database.Migrate();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var idle = new LogSearchIdleIndexing(new LogSearchIndexer(temp.Database), clock);
        idle.WhileIdle(() => false, CancellationToken.None); // a fresh process first looks for rows left from before
        Assert.True(idle.CaughtUp);

        var writer = new LogBatchWriter(temp.Database);
        for (var i = 0; i < 10; i++)
        {
            writer.Write([Batch("gateway/paced", 1 + i * 4L, 4)]);
            idle.RowsWritten(4);
            idle.WhileIdle(() => false, CancellationToken.None);
        }

        Assert.Equal(0, idle.Indexer.IndexedRows);
        Assert.Equal(LogSearchIdleIndexing.MaxLag, idle.DueIn);

        clock.Advance(LogSearchIdleIndexing.MaxLag);
        Assert.Equal(TimeSpan.Zero, idle.DueIn);
        idle.WhileIdle(() => false, CancellationToken.None);
        Assert.Equal(40, idle.Indexer.IndexedRows);
        Assert.True(idle.CaughtUp);
        Assert.Equal(40, Watermark(temp.Database));

        writer.Write([Batch("gateway/paced", 41, LogSearchIdleIndexing.RowsWorthAStep)]);
        idle.RowsWritten(LogSearchIdleIndexing.RowsWorthAStep);
        Assert.Equal(LogSearchIdleIndexing.IdleGrace, idle.DueIn); // a step's worth waits: due once the writer is idle
        idle.WhileIdle(() => false, CancellationToken.None);
        Assert.Equal(40 + LogSearchIdleIndexing.RowsWorthAStep, idle.Indexer.IndexedRows);
    }

    [Fact]
    public void A_step_of_a_few_rows_asks_for_a_few_pages_of_merge_work_not_a_full_steps()
    {
        using var temp = new TempDatabase();
        var indexer = new LogSearchIndexer(temp.Database);
        Assert.Equal(32, indexer.MergePages(LogSearchIndexer.DefaultRowsPerStep));
        Assert.Equal(1, indexer.MergePages(4));
        Assert.Equal(1, indexer.MergePages(0));
        Assert.Equal(4, indexer.MergePages(31));
    }

    /// <summary>Lock waits short enough that the two collide and the retry pipeline runs the unit again.</summary>
    private static StorageOptions ShortBusyTimeout(TempDatabase temp) => new(temp.DatabaseFile, temp.Key)
    {
        BusyTimeout = TimeSpan.FromMilliseconds(5),
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryAttempts = 100,
    };

    private static void Backlog(EncryptedDatabase database, int rows)
    {
        var writer = new LogBatchWriter(database);
        for (var first = 1; first <= rows; first += 5_000)
        {
            writer.Write([Batch("gateway/old", first, Math.Min(5_000, rows - first + 1))]);
        }
    }

    private static LogBatch Batch(string producer, long first, int count) => new(producer, Enumerable.Range(0, count).Select(i => new LogEntry
    {
        Sequence = first + i,
        Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(first + i),
        Level = LogLevel.Information,
        Category = "AICO.Tests",
        Message = $"row {first + i} of a backlog",
    }).ToList());

    private static long Watermark(EncryptedDatabase database) => database.Execute(c => Sql.Long(c, "SELECT watermark FROM log_search_state"));

    private static (long Watermark, List<long> Indexed) IndexState(EncryptedDatabase database) => database.Execute(c =>
        (Sql.Long(c, "SELECT watermark FROM log_search_state"), Sql.Column(c, "SELECT rowid FROM logs_search ORDER BY rowid").Select(long.Parse).ToList()));
}
