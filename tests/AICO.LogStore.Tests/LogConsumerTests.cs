using AICO.Bus;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

/// <summary>The consumer with the real broker, real bus clients and the real encrypted file.</summary>
public sealed class LogConsumerTests : IAsyncLifetime
{
    private PipelineFixture _pipeline = null!;

    public Task InitializeAsync()
    {
        _pipeline = new PipelineFixture();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Readiness_is_healthy_only_once_the_broker_lists_the_consumer_subscribed()
    {
        var client = _pipeline.Client(Components.LogConsumer);
        var consumer = new LogConsumer(client, _pipeline.Database, new LogConsumerOptions());
        var check = new LogConsumerHealthCheck(consumer, client);

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, before.Status);

        consumer.Start();
        await using (consumer)
        {
            await _pipeline.WaitForAsync(() => consumer.Subscribed, "the consumer subscribed");
            var after = await check.CheckHealthAsync(new HealthCheckContext());
            Assert.True(after.Status == HealthStatus.Healthy, after.Description);
            var status = await _pipeline.Broker.GetStatusAsync();
            Assert.True(LogTopics.ConsumerSubscribed(status));
        }
    }

    [Fact]
    public async Task A_consumer_disposed_by_its_hosted_service_and_again_by_the_container_does_not_throw()
    {
        var consumer = new LogConsumer(_pipeline.Client(Components.LogConsumer), _pipeline.Database, new LogConsumerOptions());
        consumer.Start();
        await _pipeline.WaitForAsync(() => consumer.Subscribed, "the consumer subscribed");

        await consumer.DisposeAsync();
        await consumer.DisposeAsync();

        Assert.False(consumer.Subscribed);
    }

    [Fact]
    public async Task A_consumer_started_on_an_unmigrated_database_retries_on_the_injected_clock_and_subscribes_once_the_schema_exists()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        var clock = new WatchedClock();
        var delay = TimeSpan.FromHours(1);
        var consumer = new LogConsumer(_pipeline.Client(Components.LogConsumer), database, new LogConsumerOptions { WriteRetryDelay = delay }, clock);

        var pausing = clock.NextTimerAsync(delay);
        consumer.Start();
        await using (consumer)
        {
            // An hour of wall clock would outlast the test: only the fake clock can end this pause.
            await pausing;
            Assert.Contains("log_producers", consumer.DatabaseProblem);
            Assert.False(consumer.Subscribed);

            database.Migrate();
            clock.Advance(delay);
            await _pipeline.WaitForAsync(() => consumer.Subscribed, "the consumer subscribed after its retry");
            Assert.Null(consumer.DatabaseProblem);
        }
    }

    [Fact]
    public async Task A_batch_in_another_components_name_or_malformed_is_ignored_and_counted_never_stored()
    {
        var consumer = _pipeline.StartConsumerInProcess();
        await _pipeline.WaitForAsync(() => consumer.Subscribed, "the consumer subscribed");
        var gateway = _pipeline.Client(Components.Gateway);
        await gateway.WaitUntilAuthenticatedAsync(PipelineFixture.Timeout());

        var forged = LogBatchCodec.Encode("modelservice/forged", [new LogEntry { Sequence = 1, Category = "x", Message = "forged", Timestamp = DateTimeOffset.UtcNow, Level = LogLevel.Error }]);
        await Assert.ThrowsAsync<TimeoutException>(() =>
            gateway.RequestAsync(LogTopics.ForComponent(Components.Gateway), LogTopics.BatchMessageType, forged, TimeSpan.FromSeconds(2), PipelineFixture.Timeout()));
        await Assert.ThrowsAsync<TimeoutException>(() =>
            gateway.RequestAsync(LogTopics.ForComponent(Components.Gateway), LogTopics.BatchMessageType, new byte[] { 1, 2, 3 }, TimeSpan.FromSeconds(2), PipelineFixture.Timeout()));

        // The request timing out says only that no acknowledgement came; on a loaded machine the consumer may not
        // have looked at the message yet, so wait for its verdict instead of reading the counter at once.
        await _pipeline.WaitForAsync(() => consumer.InvalidMessages == 2, "both bad batches rejected");
        Assert.Equal(0, _pipeline.Count("SELECT count(*) FROM logs"));

        // The same client's well-formed batch in its own name is stored and acknowledged.
        var valid = LogBatchCodec.Encode("gateway/real", [new LogEntry { Sequence = 1, Category = "x", Message = "fine", Timestamp = DateTimeOffset.UtcNow, Level = LogLevel.Information }]);
        var reply = await gateway.RequestAsync(LogTopics.ForComponent(Components.Gateway), LogTopics.BatchMessageType, valid, TimeSpan.FromSeconds(30), PipelineFixture.Timeout());
        Assert.Equal(new LogAck("gateway/real", 1), LogAck.Decode(reply.Payload.Span));
        Assert.Equal(1, _pipeline.Count("SELECT count(*) FROM logs"));
    }

    [Fact]
    public async Task A_bursts_short_gaps_start_no_grep_indexing_the_writer_indexes_once_its_queue_has_stayed_empty_for_the_idle_grace()
    {
        var clock = new WatchedClock();
        var consumer = new LogConsumer(_pipeline.Client(Components.LogConsumer), _pipeline.Database, new LogConsumerOptions(), clock);
        consumer.Start();
        await using (consumer)
        {
            await _pipeline.WaitForAsync(() => consumer.Subscribed && consumer.Indexing.CaughtUp, "the consumer subscribed, nothing left to index");
            var gateway = _pipeline.Client(Components.Gateway);
            await gateway.WaitUntilAuthenticatedAsync(PipelineFixture.Timeout());
            var rows = LogSearchIdleIndexing.RowsWorthAStep;

            // A step's worth of rows, and the writer waits for the next batch: not yet idle, so nothing is indexed.
            var waiting = clock.NextTimerAsync(LogSearchIdleIndexing.IdleGrace);
            await SendAsync(gateway, first: 1, rows);
            await waiting;
            Assert.Equal(0, consumer.Indexing.Indexer.IndexedRows);

            // The next batch comes within the grace: written, and still nothing indexed.
            waiting = clock.NextTimerAsync(LogSearchIdleIndexing.IdleGrace);
            await SendAsync(gateway, first: 1 + rows, rows);
            await waiting;
            Assert.Equal(0, consumer.Indexing.Indexer.IndexedRows);
            Assert.Equal(2 * rows, _pipeline.Count("SELECT count(*) FROM logs"));

            // The queue stays empty for the grace: now the writer is idle and indexes every row.
            clock.Advance(LogSearchIdleIndexing.IdleGrace);
            await _pipeline.WaitForAsync(() => consumer.Indexing.CaughtUp, "the idle writer indexed the rows");
            Assert.Equal(2 * rows, consumer.Indexing.Indexer.IndexedRows);
        }
    }

    private static async Task SendAsync(IBusClient gateway, long first, int count)
    {
        var batch = LogBatchCodec.Encode("gateway/burst", [.. Enumerable.Range(0, count).Select(i => new LogEntry
        {
            Sequence = first + i,
            Category = "AICO.Tests",
            Message = $"record {first + i} of a burst",
            Timestamp = DateTimeOffset.UtcNow,
            Level = LogLevel.Information,
        })]);
        var reply = await gateway.RequestAsync(LogTopics.ForComponent(Components.Gateway), LogTopics.BatchMessageType, batch, TimeSpan.FromSeconds(30), PipelineFixture.Timeout());
        Assert.Equal(new LogAck("gateway/burst", first + count - 1), LogAck.Decode(reply.Payload.Span));
    }
}
