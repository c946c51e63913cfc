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
}
