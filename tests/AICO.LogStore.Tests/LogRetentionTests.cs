using AICO.LogStore;

namespace AICO.LogStore.Tests;

public sealed class LogRetentionTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Rows_older_than_the_maximum_age_are_deleted_in_small_batches_and_newer_ones_kept()
    {
        // Rows stamped 2026-11-25T12:00:00.001 .. .100, one per millisecond.
        new LogBatchWriter(_db.Database).Write([TestLogs.Batch("gateway/a1", 1, 100)]);
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(51).AddDays(1);
        var retention = new LogRetention(_db.Database, new LogConsumerOptions { RetentionMaxAge = TimeSpan.FromDays(1), RetentionMaxRows = null, RetentionBatchSize = 7 },
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now));

        Assert.Equal(50, retention.RunOnce());
        Assert.Equal(50, _db.Scalar("SELECT count(*) FROM logs"));
        Assert.Equal(51, _db.Scalar("SELECT min(sequence) FROM logs"));
    }

    [Fact]
    public void Rows_beyond_the_maximum_count_are_deleted_oldest_first()
    {
        new LogBatchWriter(_db.Database).Write([TestLogs.Batch("gateway/a1", 1, 100)]);
        var retention = new LogRetention(_db.Database, new LogConsumerOptions { RetentionMaxAge = null, RetentionMaxRows = 30, RetentionBatchSize = 8 });

        Assert.Equal(70, retention.RunOnce());
        Assert.Equal(30, _db.Scalar("SELECT count(*) FROM logs"));
        Assert.Equal(71, _db.Scalar("SELECT min(sequence) FROM logs"));
        Assert.Equal(0, retention.RunOnce());
    }
}
