using Microsoft.Data.Sqlite;
using Polly;

namespace AICO.Storage.Tests;

/// <summary>Which errors the pipeline retries and which fail at once, on the pipeline itself (no database needed).</summary>
public class RetryClassificationTests
{
    [Theory]
    [InlineData(5)]   // SQLITE_BUSY
    [InlineData(6)]   // SQLITE_LOCKED
    [InlineData(26)]  // SQLITE_NOTADB (only ever seen here after the key was verified)
    [InlineData(517)] // SQLITE_BUSY_SNAPSHOT
    [InlineData(262)] // SQLITE_LOCKED_SHAREDCACHE
    [InlineData(261)] // SQLITE_BUSY_RECOVERY
    public void Busy_locked_and_notadb_are_transient(int code) =>
        Assert.True(SqliteTransientErrors.IsTransient(new SqliteException("transient", code)));

    [Theory]
    [InlineData(1)]    // SQLITE_ERROR (syntax, missing table)
    [InlineData(10)]   // SQLITE_IOERR
    [InlineData(11)]   // SQLITE_CORRUPT
    [InlineData(13)]   // SQLITE_FULL
    [InlineData(14)]   // SQLITE_CANTOPEN
    [InlineData(19)]   // SQLITE_CONSTRAINT
    [InlineData(2067)] // SQLITE_CONSTRAINT_UNIQUE
    public void Other_sqlite_errors_are_not_transient(int code) =>
        Assert.False(SqliteTransientErrors.IsTransient(new SqliteException("permanent", code)));

    [Fact]
    public void A_key_mismatch_and_other_exceptions_are_not_transient()
    {
        Assert.False(SqliteTransientErrors.IsTransient(DatabaseKeyMismatchException.Missing("test")));
        Assert.False(SqliteTransientErrors.IsTransient(new InvalidOperationException()));
        Assert.False(SqliteTransientErrors.IsTransient(new StorageException("x")));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(26)]
    public void The_pipeline_retries_a_transient_error_and_reconnects_before_each_retry(int code)
    {
        var reconnects = new List<int>();
        var pipeline = Pipeline(maxRetries: 5, (_, attempt) => reconnects.Add(attempt));
        var calls = 0;

        var result = pipeline.Execute(() => ++calls < 3 ? throw new SqliteException("transient", code) : "done");

        Assert.Equal("done", result);
        Assert.Equal(3, calls);
        Assert.Equal([1, 2], reconnects);
    }

    [Fact]
    public void The_pipeline_gives_up_after_the_configured_number_of_retries()
    {
        var pipeline = Pipeline(maxRetries: 3, (_, _) => { });
        var calls = 0;

        var ex = Assert.Throws<SqliteException>(() => pipeline.Execute<int>(() => { calls++; throw new SqliteException("busy", 5); }));

        Assert.Equal(5, ex.SqliteErrorCode);
        Assert.Equal(4, calls);
    }

    [Fact]
    public void The_pipeline_never_retries_a_key_mismatch_or_a_constraint_violation()
    {
        var pipeline = Pipeline(maxRetries: 5, (_, _) => Assert.Fail("must not retry"));
        var calls = 0;

        Assert.Throws<DatabaseKeyMismatchException>(() => pipeline.Execute<int>(() => { calls++; throw DatabaseKeyMismatchException.Missing("test"); }));
        Assert.Throws<SqliteException>(() => pipeline.Execute<int>(() => { calls++; throw new SqliteException("constraint", 19); }));

        Assert.Equal(2, calls);
    }

    [Fact]
    public void Zero_retries_means_one_attempt()
    {
        var pipeline = Pipeline(maxRetries: 0, (_, _) => Assert.Fail("must not retry"));
        var calls = 0;

        Assert.Throws<SqliteException>(() => pipeline.Execute<int>(() => { calls++; throw new SqliteException("busy", 5); }));

        Assert.Equal(1, calls);
    }

    private static ResiliencePipeline Pipeline(int maxRetries, Action<SqliteException, int> onRetry) =>
        DatabaseRetryPipeline.Create(
            new StorageOptions("/tmp/unused.db", new byte[32]) { MaxRetryAttempts = maxRetries, RetryBaseDelay = TimeSpan.Zero },
            onRetry);
}
