using AICO.Logging;
using AICO.LogStore;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

public sealed class LogBatchWriterTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void A_batch_lands_in_one_transaction_with_every_field_and_is_acknowledged_up_to_its_last_sequence()
    {
        var writer = new LogBatchWriter(_db.Database);
        var batch = TestLogs.Batch("gateway/a1", 1, 3);
        batch.Entries[0].ExtraJson = "{\"UserId\":\"u1\"}";
        var acks = writer.Write([batch]);

        Assert.Equal(3, acks["gateway/a1"]);
        var rows = _db.Query(c => LogQuery.Read(c, new LogFilter()));
        Assert.Equal(3, rows.Count);
        Assert.Equal("2026-11-25T12:00:00.001000Z", rows[0].Timestamp);
        Assert.Equal("INFO", rows[0].Level);
        Assert.Equal("gateway", rows[0].Component);
        Assert.Equal("AICO.Gateway", rows[0].Subsystem);
        Assert.Equal("ChatEndpoints", rows[0].Module);
        Assert.Equal("{\"UserId\":\"u1\"}", rows[0].Extra);
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM logs WHERE topic = 'logs/gateway/AICO.Gateway.ChatEndpoints' AND sequence = 1"));
    }

    [Fact]
    public void Resent_records_are_kept_once_and_counted_as_duplicates()
    {
        var writer = new LogBatchWriter(_db.Database);
        writer.Write([TestLogs.Batch("gateway/a1", 1, 10)]);
        var acks = writer.Write([TestLogs.Batch("gateway/a1", 6, 10)]);

        Assert.Equal(15, acks["gateway/a1"]);
        Assert.Equal(15, _db.Scalar("SELECT count(*) FROM logs"));
        Assert.Equal(5, _db.Scalar("SELECT duplicates FROM log_producers WHERE producer = 'gateway/a1'"));
        Assert.Equal(15, _db.Scalar("SELECT received FROM log_producers WHERE producer = 'gateway/a1'"));
    }

    [Fact]
    public void A_gap_is_recorded_the_acknowledgement_stops_before_it_and_a_restarted_writer_continues_the_accounting()
    {
        var writer = new LogBatchWriter(_db.Database);
        var acks = writer.Write([TestLogs.Batch("modelservice/b2", 1, 5), TestLogs.Batch("modelservice/b2", 11, 5)]);
        Assert.Equal(5, acks["modelservice/b2"]);
        Assert.Equal(5, _db.Scalar("SELECT gaps FROM log_producers WHERE producer = 'modelservice/b2'"));

        // A new consumer process: the accounting comes back from the database, including the rows above the gap.
        var restarted = new LogBatchWriter(_db.Database);
        acks = restarted.Write([TestLogs.Batch("modelservice/b2", 6, 5)]);
        Assert.Equal(15, acks["modelservice/b2"]);
        Assert.Equal(0, _db.Scalar("SELECT gaps FROM log_producers WHERE producer = 'modelservice/b2'"));
        Assert.Equal(15, _db.Scalar("SELECT contiguous FROM log_producers WHERE producer = 'modelservice/b2'"));
    }

    [Fact]
    public void Two_writers_on_one_file_never_store_a_record_twice_even_above_a_gap()
    {
        // An old consumer still stopping while the new one starts: each reads the accounting inside its transaction.
        var first = new LogBatchWriter(_db.Database);
        var second = new LogBatchWriter(_db.Database);
        first.Write([TestLogs.Batch("gateway/a1", 1, 10), TestLogs.Batch("gateway/a1", 21, 5)]);
        var acks = second.Write([TestLogs.Batch("gateway/a1", 1, 30)]);
        first.Write([TestLogs.Batch("gateway/a1", 5, 30)]);

        Assert.Equal(30, acks["gateway/a1"]);
        Assert.Equal(34, _db.Scalar("SELECT count(*) FROM logs"));
        Assert.Equal(34, _db.Scalar("SELECT count(DISTINCT sequence) FROM logs"));
        Assert.Equal(15 + 26, _db.Scalar("SELECT duplicates FROM log_producers WHERE producer = 'gateway/a1'"));
        Assert.Equal(34, _db.Scalar("SELECT received FROM log_producers WHERE producer = 'gateway/a1'"));
    }

    [Fact]
    public void Records_repeated_inside_one_batch_are_stored_once()
    {
        var writer = new LogBatchWriter(_db.Database);
        var acks = writer.Write([TestLogs.Batch("gateway/a1", 1, 5), TestLogs.Batch("gateway/a1", 3, 5), TestLogs.Batch("gateway/a1", 1, 2)]);

        Assert.Equal(7, acks["gateway/a1"]);
        Assert.Equal(7, _db.Scalar("SELECT count(*) FROM logs"));
        Assert.Equal(5, _db.Scalar("SELECT duplicates FROM log_producers WHERE producer = 'gateway/a1'"));
    }

    [Fact]
    public void Under_load_only_one_commit_a_second_waits_for_the_disk_and_after_a_pause_the_next_one_does_again()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var writer = new LogBatchWriter(_db.Database, time);
        writer.Write([TestLogs.Batch("gateway/a1", 1, 5)]);
        writer.Write([TestLogs.Batch("gateway/a1", 6, 5)]);
        time.Advance(writer.DurableInterval - TimeSpan.FromMilliseconds(1));
        writer.Write([TestLogs.Batch("gateway/a1", 11, 5)]);
        Assert.Equal(1, writer.ForcedCommits);

        time.Advance(TimeSpan.FromMilliseconds(1));
        writer.Write([TestLogs.Batch("gateway/a1", 16, 5)]);

        Assert.Equal(2, writer.ForcedCommits);
        Assert.Equal(20, _db.Scalar("SELECT count(*) FROM logs"));
    }

    [Fact]
    public void Producers_are_accounted_separately()
    {
        var writer = new LogBatchWriter(_db.Database);
        var acks = writer.Write([TestLogs.Batch("gateway/a1", 1, 3), TestLogs.Batch("broker/c3", 1, 7)]);
        Assert.Equal(3, acks["gateway/a1"]);
        Assert.Equal(7, acks["broker/c3"]);
        var stats = _db.Query(LogStatistics.Read);
        Assert.Equal(10, stats.Rows);
        Assert.Equal(3, stats.ByComponent["gateway"]);
        Assert.Equal(7, stats.ByComponent["broker"]);
        Assert.Equal(2, stats.Producers.Count);
        Assert.Equal("2026-11-25T12:00:00.001000Z", stats.Oldest);
    }

    [Fact]
    public void Every_row_names_its_producer_by_accounting_id_alone_across_transactions_and_writers()
    {
        var writer = new LogBatchWriter(_db.Database);
        writer.Write([TestLogs.Batch("gateway/a1", 1, 3), TestLogs.Batch("broker/c3", 1, 2)]);
        writer.Write([TestLogs.Batch("gateway/a1", 4, 2)]);
        new LogBatchWriter(_db.Database).Write([TestLogs.Batch("broker/c3", 3, 1), TestLogs.Batch("gateway/a1", 5, 2)]);

        Assert.Equal(9, _db.Scalar("SELECT count(*) FROM logs"));
        // No producer text in the row (schema 8): the id is the producer, through log_producers.
        Assert.Equal(0, _db.Scalar("SELECT count(*) FROM logs WHERE producer IS NOT NULL OR producer_id IS NULL"));
        Assert.Equal(2, _db.Scalar("SELECT count(DISTINCT producer_id) FROM logs"));
        Assert.Equal(6, _db.Scalar($"SELECT count(*) FROM logs WHERE {LogQuery.ProducerOfRow} = 'gateway/a1'"));
        Assert.Equal(6, _db.Scalar("SELECT received FROM log_producers WHERE producer = 'gateway/a1'"));
        Assert.Equal(1, _db.Scalar("SELECT duplicates FROM log_producers WHERE producer = 'gateway/a1'"));
    }

    [Fact]
    public async Task While_another_connection_holds_the_write_lock_the_writer_waits_and_loses_nothing()
    {
        var writer = new LogBatchWriter(_db.Database);
        using var blocker = _db.Database.Open();
        using var lockTx = blocker.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        var write = Task.Run(() => writer.Write([TestLogs.Batch("gateway/a1", 1, 50)]));
        await Task.WhenAny(write, Task.Delay(300));
        Assert.False(write.IsCompleted, "the write must wait for the lock, not fail or bypass it");
        lockTx.Rollback();
        Assert.Equal(50, (await write)["gateway/a1"]);
        Assert.Equal(50, _db.Scalar("SELECT count(*) FROM logs"));
    }
}
