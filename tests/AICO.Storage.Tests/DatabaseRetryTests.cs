using Microsoft.Data.Sqlite;

namespace AICO.Storage.Tests;

/// <summary>The retry pipeline on a real encrypted file: a second writer really finds the write lock taken.</summary>
public class DatabaseRetryTests
{
    [Fact]
    public async Task A_busy_write_is_retried_with_a_fresh_connection_and_succeeds_once_the_lock_is_released()
    {
        using var temp = new TempDatabase();
        var holder = temp.Open();
        holder.Migrate();
        var contender = new EncryptedDatabase(temp.Options().WithShortLockWaits());
        using var held = holder.Open();
        using var lockTransaction = held.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        var firstRetry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        contender.Retrying += (error, _) =>
        {
            Assert.Equal(SqliteTransientErrors.Busy, error.SqliteErrorCode & 0xFF);
            firstRetry.TrySetResult();
        };

        var write = Task.Run(() => contender.Write((c, tx) => Sql.InsertLog(c, tx, "contender", 1, "after the lock")));
        await firstRetry.Task.WaitAsync(TimeSpan.FromSeconds(60));
        lockTransaction.Rollback();

        Assert.Equal(1, await write.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(contender.RetryCount >= 1);
        Assert.Equal(1L, holder.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs WHERE producer = 'contender'")));
    }

    [Fact]
    public void Retries_are_bounded_when_the_lock_is_never_released()
    {
        using var temp = new TempDatabase();
        var holder = temp.Open();
        holder.Migrate();
        var contender = new EncryptedDatabase(temp.Options().WithShortLockWaits(maxRetries: 2));
        using var held = holder.Open();
        using var lockTransaction = held.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);

        var ex = Assert.Throws<SqliteException>(() => contender.Write((c, tx) => Sql.InsertLog(c, tx, "contender", 1, "never")));

        Assert.Equal(SqliteTransientErrors.Busy, ex.SqliteErrorCode & 0xFF);
        Assert.Equal(2, contender.RetryCount);
    }

    [Fact]
    public void Write_takes_the_write_lock_up_front_even_for_work_that_only_reads()
    {
        using var temp = new TempDatabase();
        var holder = temp.Open();
        holder.Migrate();
        var contender = new EncryptedDatabase(temp.Options().WithShortLockWaits(maxRetries: 0));
        using var held = holder.Open();
        using var lockTransaction = held.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);

        // A deferred BEGIN would let this read-only unit through; BEGIN IMMEDIATE (what migrations rely on) must wait.
        var ex = Assert.Throws<SqliteException>(() => contender.Write((c, tx) => Sql.Long(c, "SELECT count(*) FROM logs")));
        var plainRead = contender.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs"));

        Assert.Equal(SqliteTransientErrors.Busy, ex.SqliteErrorCode & 0xFF);
        Assert.Equal(0L, plainRead);
    }

    [Fact]
    public void A_notadb_after_the_key_was_verified_is_treated_as_transient_and_retried()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        var calls = 0;

        // The work runs on a connection whose key was already proven; a NOTADB there models a page read racing a checkpoint.
        var result = database.Execute(c => ++calls == 1 ? throw new SqliteException("file is not a database", 26) : Sql.Long(c, "SELECT 42"));

        Assert.Equal(42L, result);
        Assert.Equal(1, database.RetryCount);
    }

    [Fact]
    public async Task The_async_entry_points_commit_and_retry_like_the_sync_ones()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();
        var calls = 0;

        var inserted = await database.WriteAsync((c, tx, _) =>
            ++calls == 1 ? throw new SqliteException("database is locked", 5) : ValueTask.FromResult(Sql.InsertLog(c, tx, "async", 1, "m")));
        var count = await database.ExecuteAsync((c, _) => ValueTask.FromResult(Sql.Long(c, "SELECT count(*) FROM logs")));

        Assert.Equal((1, 1L, 2), (inserted, count, calls));
        Assert.Equal(1, database.RetryCount);
    }

    [Fact]
    public void A_constraint_violation_fails_at_once_and_rolls_the_transaction_back()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();

        var ex = Assert.Throws<SqliteException>(() => database.Write((c, tx) =>
        {
            Sql.InsertLog(c, tx, "p", 1, "kept only if the transaction commits");
            return Sql.Scalar(c, "INSERT INTO logs (timestamp) VALUES ('x')", tx);
        }));

        Assert.Equal(19, ex.SqliteErrorCode);
        Assert.Equal(0, database.RetryCount);
        Assert.Equal(0L, database.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs")));
    }
}
