using System.Diagnostics;
using System.Security.Cryptography;
using AICO.Logging;
using AICO.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace AICO.LogStore.Tests;

/// <summary>
/// The whole pipeline with real processes: producer processes with the real bus logger, the real broker engine on
/// loopback, the consumer (in-process or the real host process) and the real encrypted file. Also: what an
/// acknowledgement promises across a kill -9 of the consumer, and that the pipeline does not trace itself (with the
/// services' sampler and an in-memory exporter) while bus requests of user work keep their spans.
/// </summary>
public sealed class PipelineTests : IAsyncLifetime
{
    private static readonly ActivitySource UserWork = new("AICO.Tests.UserWork");
    private static readonly TimeSpan ProducerExit = TimeSpan.FromSeconds(100);
    private PipelineFixture _pipeline = null!;

    public Task InitializeAsync()
    {
        _pipeline = new PipelineFixture();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private void AssertExactlyOnceInOrder(string component, int count)
    {
        var rows = _pipeline.Numbered(component);
        var missing = Enumerable.Range(1, count).Select(i => $"record {i}").Except(rows.Select(r => r.Message)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} records missing, first {string.Join(", ", missing.Take(5))}, last {missing.LastOrDefault()}; sequences {rows.FirstOrDefault().Sequence}..{rows.LastOrDefault().Sequence}");
        Assert.Equal(count, rows.Count);
        Assert.Equal(0, _pipeline.Count("SELECT count(*) FROM logs WHERE module = 'LogBuffer'"));
        var bySequence = rows.Select(r => r.Message).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"record {i}"), bySequence);
        Assert.Equal(0, _pipeline.Count($"SELECT coalesce(sum(gaps), 0) FROM log_producers WHERE component = '{component}'"));
    }

    [Fact]
    public async Task Records_logged_before_the_consumer_exists_all_land_in_order_once_when_it_starts()
    {
        var gateway = _pipeline.StartProducer(Components.Gateway, 3000, startup: 3000);
        var model = _pipeline.StartProducer(Components.ModelService, 3000, startup: 3000);
        await _pipeline.WaitForBrokerClientsAsync(Components.Gateway, Components.ModelService);
        Assert.Equal(0, _pipeline.Count("SELECT count(*) FROM logs"));

        _pipeline.StartConsumerInProcess();

        Assert.True(await gateway.WaitForExitAsync(ProducerExit) == 0, gateway.Output);
        Assert.True(await model.WaitForExitAsync(ProducerExit) == 0, model.Output);
        AssertExactlyOnceInOrder(Components.Gateway, 3000);
        AssertExactlyOnceInOrder(Components.ModelService, 3000);
    }

    [Fact]
    public async Task A_consumer_killed_mid_stream_and_restarted_leaves_every_record_exactly_once()
    {
        var consumer = _pipeline.StartConsumerProcess();
        // A buffer larger than the stream: this test is about delivery, not about overflow (tested below).
        var producer = _pipeline.StartProducer(Components.Gateway, 20_000, startup: 0, pauseEvery: 20, bufferCapacity: 50_000);
        await _pipeline.WaitForAsync(() => _pipeline.Count("SELECT count(*) FROM logs WHERE module = 'Numbered'") >= 2000, "the first records committed");

        consumer.Kill();
        Assert.False(producer.Process.HasExited, "the stream must still be running when the consumer dies");
        _pipeline.StartConsumerProcess();

        Assert.True(await producer.WaitForExitAsync(ProducerExit) == 0, producer.Output);
        AssertExactlyOnceInOrder(Components.Gateway, 20_000);
    }

    [Fact]
    public async Task A_broker_restarted_mid_stream_loses_nothing()
    {
        _pipeline.StartConsumerInProcess();
        var producer = _pipeline.StartProducer(Components.ModelService, 20_000, startup: 0, pauseEvery: 20, bufferCapacity: 50_000);
        await _pipeline.WaitForAsync(() => _pipeline.Count("SELECT count(*) FROM logs WHERE module = 'Numbered'") >= 2000, "the first records committed");

        await _pipeline.RestartBrokerAsync();
        Assert.False(producer.Process.HasExited, "the stream must still be running when the broker restarts");

        Assert.True(await producer.WaitForExitAsync(ProducerExit) == 0, producer.Output);
        AssertExactlyOnceInOrder(Components.ModelService, 20_000);
    }

    [Fact]
    public async Task Overflow_while_the_consumer_is_away_is_counted_and_reported_and_nothing_else_is_lost()
    {
        var producer = _pipeline.StartProducer(Components.Gateway, 3000, startup: 3000, bufferCapacity: 1000);
        await _pipeline.WaitForBrokerClientsAsync(Components.Gateway);
        _pipeline.StartConsumerInProcess();
        Assert.True(await producer.WaitForExitAsync(ProducerExit) == 0, producer.Output);

        var numbered = _pipeline.Numbered(Components.Gateway);
        var dropped = _pipeline.Database.Execute(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT message, sequence FROM logs WHERE module = 'LogBuffer'";
            using var r = command.ExecuteReader();
            Assert.True(r.Read(), "the dropped-records record must land");
            return (Message: r.GetString(0), Sequence: r.GetInt64(1));
        });

        Assert.Equal("2000 log records were dropped while buffering", dropped.Message);
        Assert.Equal(1, dropped.Sequence);
        Assert.Equal(Enumerable.Range(2001, 1000).Select(i => $"record {i}"), numbered.Select(r => r.Message));
        Assert.Equal(Enumerable.Range(2, 1000).Select(i => (long)i), numbered.Select(r => r.Sequence));
        Assert.Equal(0, _pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers"));
    }

    [Fact]
    public async Task Every_record_acknowledged_before_a_kill_9_of_the_consumer_is_in_the_file_afterwards()
    {
        var consumer = _pipeline.StartConsumerProcess();
        using var provider = new BusLoggerProvider(new BusLoggingOptions { BufferCapacity = 200_000 });
        provider.Start(_pipeline.Client(Components.Gateway));
        var logger = provider.CreateLogger("AICO.Tests.Durability");
        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                logger.LogInformation("durable {Number}", i);
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        await _pipeline.WaitForAsync(() => provider.Window?.AcknowledgedSequence >= 5_000, "the first acknowledgements");
        consumer.Kill();
        // Read after the kill: every acknowledgement that ever arrives was sent by the consumer before it died.
        var acknowledged = provider.Window!.AcknowledgedSequence;
        await stop.CancelAsync();
        await stream;
        await provider.StopAsync();

        var producer = provider.Producer!;
        Assert.Equal(acknowledged, _pipeline.Count($"SELECT count(*) FROM logs WHERE {LogQuery.ProducerOfRow} = '{producer}' AND sequence <= {acknowledged}"));
        Assert.Equal(acknowledged, _pipeline.Count($"SELECT count(DISTINCT sequence) FROM logs WHERE {LogQuery.ProducerOfRow} = '{producer}' AND sequence <= {acknowledged}"));
        Assert.True(_pipeline.Count($"SELECT max(sequence) FROM logs WHERE {LogQuery.ProducerOfRow} = '{producer}'") >= acknowledged);
    }

    [Fact]
    public async Task Shipping_and_consuming_logs_leave_no_spans_while_user_requests_keep_theirs_and_the_record_keeps_the_user_trace()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new LogPipelineTraceFilter())
            .AddSource(Extensions.AicoTelemetryPrefix + "*", UserWork.Name)
            .AddInMemoryExporter(exported)
            .Build();

        _pipeline.StartConsumerInProcess();
        var model = _pipeline.Client(Components.ModelService);
        await using var echo = await model.SubscribeAsync("modelservice/", (request, ct) => model.ReplyAsync(request, "echo", request.Payload, ct).AsTask(), PipelineFixture.Timeout());
        var gateway = _pipeline.Client(Components.Gateway);
        using var provider = new BusLoggerProvider(new BusLoggingOptions());
        provider.Start(gateway);
        await gateway.WaitUntilAuthenticatedAsync(PipelineFixture.Timeout());
        var logger = provider.CreateLogger("AICO.Tests.UserWork");

        ActivityTraceId userTrace;
        using (var work = UserWork.StartActivity("user work"))
        {
            Assert.NotNull(work);
            userTrace = work.TraceId;
            logger.LogInformation("user work {Step}", "started");
            await gateway.RequestAsync("modelservice/echo/request/v1", "echo", "hi"u8.ToArray(), TimeSpan.FromSeconds(30), PipelineFixture.Timeout());
            logger.LogInformation("user work {Step}", "done");
        }

        // Log traffic outside any user work too: the worker's own batches must not start traces.
        for (var i = 0; i < 50; i++)
        {
            logger.LogInformation("background record {Number}", i);
        }

        Assert.True(await provider.FlushAsync(PipelineFixture.Deadline), "every record acknowledged");
        await provider.StopAsync();
        tracing.ForceFlush();

        Assert.Contains(exported, a => a.DisplayName == "request modelservice/echo/request/v1" && a.TraceId == userTrace);
        Assert.Contains(exported, a => a.DisplayName == "receive modelservice/echo/request/v1" && a.TraceId == userTrace);
        Assert.DoesNotContain(exported, a => a.DisplayName.Contains(LogPipelineTraceFilter.LogTopicPrefix, StringComparison.Ordinal));
        Assert.All(exported, a => Assert.Equal(userTrace, a.TraceId));
        Assert.Equal(2, _pipeline.Count($"SELECT count(*) FROM logs WHERE message LIKE 'user work %' AND trace_id = '{userTrace.ToHexString()}'"));
        Assert.Equal(50, _pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE 'background record %' AND trace_id IS NULL"));
    }

    /// <summary>
    /// Before, such a batch was refused by the client's bus limit (1 MiB) on every attempt and resent forever, so nothing
    /// logged after it ever arrived.
    /// </summary>
    [Fact]
    public async Task A_batch_over_the_bus_limit_goes_out_in_smaller_ones_and_a_record_over_it_arrives_cut_and_says_so()
    {
        _pipeline.StartConsumerInProcess();
        var gateway = _pipeline.Client(Components.Gateway);
        using var provider = new BusLoggerProvider(new BusLoggingOptions());
        provider.Start(gateway);
        await gateway.WaitUntilAuthenticatedAsync(PipelineFixture.Timeout());
        var logger = provider.CreateLogger("AICO.Tests.Oversize");

        // Random text does not compress: 600 records of 4,000 characters are ~2.4 MB in one 512-record batch.
        for (var i = 1; i <= 600; i++)
        {
            logger.LogInformation("big {Number} {Text}", i, RandomText(4_000));
        }

        var huge = RandomText(3_000_000);
        logger.LogWarning("huge {Text}", huge);
        logger.LogInformation("after the big ones");

        Assert.True(await provider.FlushAsync(PipelineFixture.Deadline), "every record acknowledged");
        Assert.Equal(600, _pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE 'big %' AND length(message) > 4000"));
        Assert.Equal(1, _pipeline.Count("SELECT count(*) FROM logs WHERE message = 'after the big ones'"));
        var cut = _pipeline.Database.Execute(c => Sql.Column(c, "SELECT message FROM logs WHERE message LIKE 'huge %'")).Single();
        Assert.StartsWith("huge " + huge[..1000], cut, StringComparison.Ordinal);
        Assert.EndsWith(" more characters]", cut, StringComparison.Ordinal);
        Assert.True(cut.Length < 100_000, $"cut to {cut.Length} characters");
        Assert.Equal(1, _pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE 'huge %' AND extra ->> '$.cut_extra_bytes' > 3000000"));
        Assert.Equal(602, _pipeline.Count("SELECT count(DISTINCT sequence) FROM logs WHERE module = 'Oversize'"));
        Assert.Equal(0, _pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers WHERE component = 'gateway'"));
    }

    private static string RandomText(int characters) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(characters * 3 / 4 + 3))[..characters];
}
