using AICO.Logging.Pipeline;
using AICO.Security;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

/// <summary>The producer with a spool, against the in-memory bus double: what waits on disk, and in which order it leaves.</summary>
public sealed class SpoolingShipperTests : IDisposable
{
    private readonly string _runtime = Path.Combine(Path.GetTempPath(), "aico-spool-run-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task With_no_consumer_for_far_more_records_than_memory_holds_none_is_dropped_and_all_arrive_in_order_later()
    {
        var bus = new FakeBusClient();
        using var producer = Producer(bus);
        var (provider, logger) = (producer.Provider, producer.Logger);

        await LogPacedAsync(provider, logger, 20_000);

        await Eventually.TrueAsync(() => provider.State().SpooledRecords >= 19_000, "records in the spool");
        Assert.Equal(0, provider.Buffer.DroppedTotal);
        var spoolDirectory = PipelineStateFiles.ProducerDirectory(_runtime, provider.Producer!);
        Assert.NotEmpty(Directory.GetFiles(spoolDirectory, "*.spool"));
        Assert.Equal(0, bus.Requests);

        bus.ConsumerSubscribed = true;
        Assert.True(await provider.FlushAsync(TimeSpan.FromSeconds(60)), "the spool and the buffer drained");

        var stored = bus.Stored;
        Assert.Equal(20_000, stored.Count);
        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => $"record {i}"), stored.Select(e => e.Message));
        Assert.Empty(Directory.GetFiles(spoolDirectory, "*.spool"));
        await provider.StopAsync();
    }

    [Fact]
    public async Task A_consumer_that_stops_acknowledging_makes_records_spill_and_nothing_is_dropped()
    {
        var bus = new FakeBusClient { ConsumerSubscribed = true };
        using var producer = Producer(bus);
        var (provider, logger) = (producer.Provider, producer.Logger);

        // The gate stays open but every request fails: the consumer is subscribed and cannot write.
        bus.FailNextRequests = int.MaxValue;
        await LogPacedAsync(provider, logger, 8_000);

        await Eventually.TrueAsync(() => provider.State().SpooledRecords > 0, "records in the spool");
        Assert.Equal(0, provider.Buffer.DroppedTotal);

        bus.FailNextRequests = 0;
        Assert.True(await provider.FlushAsync(TimeSpan.FromSeconds(60)), "everything acknowledged after the consumer recovered");
        Assert.Equal(Enumerable.Range(1, 8_000).Select(i => (long)i), bus.Stored.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 8_000).Select(i => $"record {i}"), bus.Stored.Select(e => e.Message));
        await provider.StopAsync();
    }

    [Fact]
    public async Task The_producer_reports_its_backlog_and_oldest_unacknowledged_record_in_the_runtime_directory()
    {
        var bus = new FakeBusClient();
        using var producer = Producer(bus);
        var provider = producer.Provider;
        var before = DateTimeOffset.UtcNow;
        await LogPacedAsync(provider, producer.Logger, 3_000);

        ProducerPipelineState? state = null;
        await Eventually.TrueAsync(() => (state = PipelineStateFiles.ReadAll(_runtime).SingleOrDefault(s => s.Backlog == 3_000)) is not null, "a state file with the backlog");
        Assert.Equal(provider.Producer, state!.Producer);
        Assert.True(state.Running);
        Assert.False(state.GateOpen);
        Assert.Contains("no logconsumer", state.GateReason, StringComparison.Ordinal);
        Assert.True(state.SpooledRecords >= 2_000, $"spooled {state.SpooledRecords}");
        Assert.True(state.SpoolBytes > 0);
        Assert.InRange(state.OldestUnacknowledged!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow);

        bus.ConsumerSubscribed = true;
        Assert.True(await provider.FlushAsync(TimeSpan.FromSeconds(60)));
        await provider.StopAsync();
        Assert.Empty(PipelineStateFiles.ReadAll(_runtime));
    }

    public void Dispose()
    {
        if (Directory.Exists(_runtime))
        {
            Directory.Delete(_runtime, recursive: true);
        }
    }

    /// <summary>
    /// Logs in steps of 200 records and lets the worker move them on before the next step: memory stays bounded
    /// because records go to disk, and the test never outruns the worker (which would drop, as designed).
    /// </summary>
    private static async Task LogPacedAsync(BusLoggerProvider provider, ILogger logger, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            logger.LogInformation("record {Number}", i);
            if (i % 200 == 0)
            {
                await Eventually.TrueAsync(() => provider.Buffer.Count <= 300, "records moving on from memory");
            }
        }
    }

    /// <summary>A started bus logger with a spool in this test's runtime directory, and a logger writing into it.</summary>
    private TestProducer Producer(FakeBusClient bus)
    {
        bus.SetState(AICO.Bus.BusConnectionState.Authenticated);
        var provider = new BusLoggerProvider(Options());
        var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        provider.Start(bus, _runtime, new byte[32]);
        return new TestProducer(provider, factory);
    }

    private sealed class TestProducer(BusLoggerProvider provider, ILoggerFactory factory) : IDisposable
    {
        public BusLoggerProvider Provider { get; } = provider;
        public ILogger Logger { get; } = factory.CreateLogger("App.Work");

        public void Dispose()
        {
            factory.Dispose();
            Provider.Dispose();
        }
    }

    private static BusLoggingOptions Options() => new()
    {
        BufferCapacity = 1_000,
        SpillThreshold = 200,
        MaxBatchSize = 100,
        SpoolSegmentBytes = 64 * 1024,
        ClosedGatePollInterval = TimeSpan.FromMilliseconds(20),
        OpenGatePollInterval = TimeSpan.FromMilliseconds(50),
        RetryDelay = TimeSpan.FromMilliseconds(20),
        StallTimeout = TimeSpan.FromMilliseconds(200),
    };
}
