using System.Diagnostics;
using AICO.Bus;
using AICO.Logging;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

public sealed class BusLoggerProviderTests : IAsyncLifetime
{
    private readonly FakeBusClient _bus = new();
    private BusLoggerProvider _provider = null!;
    private ILogger _logger = null!;

    private static BusLoggingOptions FastOptions(int capacity = 10_000) => new()
    {
        BufferCapacity = capacity,
        MaxBatchSize = 16,
        MaxUnacknowledgedBatches = 8,
        ClosedGatePollInterval = TimeSpan.FromMilliseconds(20),
        OpenGatePollInterval = TimeSpan.FromMilliseconds(50),
        RetryDelay = TimeSpan.FromMilliseconds(20),
    };

    public Task InitializeAsync() => Start(FastOptions());

    public async Task DisposeAsync()
    {
        await _provider.StopAsync();
        _provider.Dispose();
    }

    private Task Start(BusLoggingOptions options)
    {
        _provider = new BusLoggerProvider(options);
        _logger = _provider.CreateLogger("AICO.Tests.Producer");
        return Task.CompletedTask;
    }

    private async Task Restart(BusLoggingOptions options)
    {
        await DisposeAsync();
        await Start(options);
    }

    private void LogNumbered(int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            _logger.LogInformation("record {Number}", i);
        }
    }

    /// <summary>The gate has evaluated the current conditions at least twice more (a signal, not a sleep).</summary>
    private async Task GateEvaluatedTwiceAsync()
    {
        var seen = _bus.StatusRequests;
        await Eventually.TrueAsync(() => _bus.StatusRequests >= seen + 2, "two more gate evaluations");
    }

    [Fact]
    public async Task Records_are_held_until_the_client_is_authenticated_and_the_consumer_is_subscribed_then_flushed_in_order()
    {
        LogNumbered(1, 40);
        _provider.Start(_bus);

        // Phase 1 missing: not authenticated. Nothing may leave.
        await Eventually.TrueAsync(() => _provider.Gate!.Reason.Contains("Connecting"), "gate evaluated while connecting");
        Assert.Equal(0, _bus.Requests);

        // Phase 2 missing: authenticated, but no consumer subscribed yet (the startup-loss bug of the old system).
        _bus.SetState(BusConnectionState.Authenticated);
        await GateEvaluatedTwiceAsync();
        Assert.False(_provider.Gate!.IsOpen);
        Assert.Equal(0, _bus.Requests);
        LogNumbered(41, 50);

        _bus.ConsumerSubscribed = true;
        await Eventually.TrueAsync(() => _bus.Stored.Count == 50, "50 records delivered");

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), _bus.Stored.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"record {i}"), _bus.Stored.Select(e => e.Message));
        Assert.Equal(0, _bus.Duplicates);
        Assert.StartsWith("gateway/", _bus.LastProducer);
        await Eventually.TrueAsync(() => _provider.Shipper!.Idle, "everything acknowledged");
    }

    [Fact]
    public async Task When_the_consumer_goes_away_records_buffer_again_and_land_when_it_returns()
    {
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        LogNumbered(1, 20);
        await Eventually.TrueAsync(() => _bus.Stored.Count == 20, "first 20 delivered");

        _bus.ConsumerSubscribed = false;
        await Eventually.TrueAsync(() => !_provider.Gate!.IsOpen, "gate closed again");
        LogNumbered(21, 60);
        await GateEvaluatedTwiceAsync();
        Assert.Equal(20, _bus.Stored.Count);
        Assert.Equal(40, _provider.Buffer.Count);

        _bus.ConsumerSubscribed = true;
        await Eventually.TrueAsync(() => _bus.Stored.Count == 60, "all 60 delivered");
        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"record {i}"), _bus.Stored.Select(e => e.Message));
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), _bus.Stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Overflow_while_buffering_drops_the_oldest_and_a_dropped_record_is_sent_first_when_the_gate_opens()
    {
        await Restart(FastOptions(capacity: 100));
        LogNumbered(1, 150);
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;

        await Eventually.TrueAsync(() => _bus.Stored.Count == 101, "dropped record + 100 newest delivered");
        var stored = _bus.Stored;
        Assert.Equal("50 log records were dropped while buffering", stored[0].Message);
        Assert.Equal(LogLevel.Warning, stored[0].Level);
        Assert.Equal(1, stored[0].Sequence);
        Assert.Equal(Enumerable.Range(51, 100).Select(i => $"record {i}"), stored.Skip(1).Select(e => e.Message));
        Assert.Equal(50, _provider.Buffer.DroppedTotal);
    }

    [Fact]
    public async Task Batches_that_are_not_acknowledged_are_resent_and_land_exactly_once()
    {
        _bus.FailNextRequests = 3;
        LogNumbered(1, 100);
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;

        await Eventually.TrueAsync(() => _provider.Shipper!.Idle, "every batch acknowledged");
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), _bus.Stored.Select(e => e.Sequence));
        Assert.Equal(0, _bus.Duplicates);

        // The consumer commits the next batch but its reply is lost: the producer must send it again,
        // and the consumer keeps it once.
        _bus.LoseNextReplies = 1;
        LogNumbered(101, 101);
        await Eventually.TrueAsync(() => _provider.Shipper!.Idle && _bus.Duplicates == 1, "the unacknowledged batch resent and acknowledged");
        Assert.Equal(Enumerable.Range(1, 101).Select(i => (long)i), _bus.Stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_record_logged_at_any_moment_of_the_workers_linger_after_a_send_is_shipped_without_waiting_for_a_poll()
    {
        // The open gate's own poll is an hour: a record missed at the moment the worker stops lingering and goes to
        // sleep would wait that long. The delays walk a call across the whole ~20 ms linger (they are the variable
        // under test, not a synchronisation).
        await Restart(new BusLoggingOptions { OpenGatePollInterval = TimeSpan.FromHours(1), ClosedGatePollInterval = TimeSpan.FromMilliseconds(20) });
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        LogNumbered(1, 1);
        await Eventually.TrueAsync(() => _bus.Stored.Count == 1, "the first record delivered");

        for (var record = 2; record <= 31; record++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds((record - 2) * 1.5));
            LogNumbered(record, record);
            await Eventually.TrueAsync(() => _bus.Stored.Count == record, $"record {record} delivered", TimeSpan.FromSeconds(20));
        }

        Assert.Equal(Enumerable.Range(1, 31).Select(i => (long)i), _bus.Stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_log_call_from_inside_the_logger_or_the_bus_is_ignored_not_recursed()
    {
        // The bus is down, and bus code on the sending thread logs through a normal category.
        _bus.InsideRequest = () => _logger.LogError("bus failure while sending logs");
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Unreachable);

        // A formatter that logs again would recurse until the stack overflows without the guard.
        var recursive = new RecursiveState(_logger);
        _logger.Log(LogLevel.Information, default, recursive, null, (s, _) => s.ToString());
        Assert.Equal(1, _provider.Buffer.Count);
        Assert.Equal(1, Interlocked.Read(ref _provider.ReentrantCalls));

        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        await Eventually.TrueAsync(() => _provider.Shipper!.Idle, "the one record acknowledged");
        Assert.Single(_bus.Stored);
        Assert.True(Interlocked.Read(ref _provider.ReentrantCalls) >= 2, "the log call inside the bus request was ignored");
    }

    [Fact]
    public async Task State_scopes_and_the_current_trace_travel_with_the_record()
    {
        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        using (_logger.BeginScope(new Dictionary<string, object?> { ["SessionId"] = "s-1" }))
        {
            _logger.LogWarning(new EventId(7), new InvalidOperationException("bad"), "user {UserId} did {Count} things", "u-9", 3);
        }

        await Eventually.TrueAsync(() => _bus.Stored.Count == 1, "record delivered");
        var entry = _bus.Stored[0];
        Assert.Equal("user u-9 did 3 things", entry.Message);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(7, entry.EventId);
        Assert.Equal("AICO.Tests.Producer", entry.Category);
        Assert.Contains("InvalidOperationException: bad", entry.Exception);
        Assert.Equal(activity.TraceId.ToHexString(), entry.TraceId);
        Assert.Equal(activity.SpanId.ToHexString(), entry.SpanId);
        Assert.Equal("{\"UserId\":\"u-9\",\"Count\":\"3\",\"SessionId\":\"s-1\"}", entry.ExtraJson);
    }

    [Fact]
    public void A_disabled_provider_stops_collecting()
    {
        LogNumbered(1, 5);
        _provider.Disable("test: no bus configuration");
        LogNumbered(6, 10);
        Assert.Equal(0, _provider.Buffer.Count);
        Assert.False(_logger.IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task State_that_reads_a_finished_request_lazily_is_captured_when_logged_and_never_stops_the_worker()
    {
        // ASP.NET Core's "Request starting" state reads the HttpRequest on every index access and throws once the
        // request has finished; a health check logged while the gate is closed is sealed only after that.
        var request = new FakeRequest();
        _logger.Log(LogLevel.Information, default, new LazyRequestState(request), null, (s, _) => s.ToString());
        request.Finished = true;
        LogNumbered(2, 3);

        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        await Eventually.TrueAsync(() => _bus.Stored.Count == 3, "3 records delivered");

        Assert.Equal([1L, 2L, 3L], _bus.Stored.Select(e => e.Sequence));
        Assert.Equal("Request starting GET /health", _bus.Stored[0].Message);
        Assert.Equal("{\"Method\":\"GET\",\"Path\":\"/health\"}", _bus.Stored[0].ExtraJson);
    }

    [Fact]
    public async Task A_state_value_whose_ToString_throws_is_recorded_as_such_and_later_records_still_flow()
    {
        List<KeyValuePair<string, object?>> state = [new("Bad", new ThrowingToString()), new("Good", 7)];
        _logger.Log(LogLevel.Information, default, state, null, (_, _) => "value");
        LogNumbered(2, 3);

        _provider.Start(_bus);
        _bus.SetState(BusConnectionState.Authenticated);
        _bus.ConsumerSubscribed = true;
        await Eventually.TrueAsync(() => _bus.Stored.Count == 3, "3 records delivered");

        Assert.Contains("\"Good\":\"7\"", _bus.Stored[0].ExtraJson);
        Assert.Contains("InvalidOperationException", _bus.Stored[0].ExtraJson);
    }

    private sealed class FakeRequest
    {
        public bool Finished { get; set; }

        public string Read(string value) => Finished ? throw new ObjectDisposedException("IFeatureCollection", "the request has finished") : value;
    }

    private sealed class LazyRequestState(FakeRequest request) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 3;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("Method", request.Read("GET")),
            1 => new("Path", request.Read("/health")),
            2 => new("{OriginalFormat}", "Request starting {Method} {Path}"),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"Request starting {this[0].Value} {this[1].Value}";
    }

    private sealed class ThrowingToString
    {
        public override string ToString() => throw new InvalidOperationException("no text");
    }

    private sealed class RecursiveState(ILogger logger)
    {
        public override string ToString()
        {
            logger.LogInformation("{State}", this);
            return "outer";
        }
    }
}
