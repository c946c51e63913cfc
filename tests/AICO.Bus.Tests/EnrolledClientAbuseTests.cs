using System.Text;
using System.Threading.Channels;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>An enrolled component that misbehaves (a compromised host): it may hurt only itself.</summary>
public class EnrolledClientAbuseTests
{
    [Fact]
    public async Task A_subscriber_that_stops_reading_cannot_grow_the_broker_past_its_byte_budget_and_is_disconnected()
    {
        await using var bus = new BusFixture(new BrokerOptions
        {
            ConnectionBudgetBytes = 8 * 1024 * 1024,
            TotalBudgetBytes = 32 * 1024 * 1024,
            StalledTimeout = TimeSpan.FromSeconds(1),
            HeartbeatMisses = 600, // the stuck peer sends no pings: only its byte budget may get it removed here
        });
        var cli = await bus.AuthenticatedClientAsync(Components.Cli);
        using var stuck = SessionPeer.Authenticate(bus, Components.Gateway, receiveHighWatermark: 1);
        stuck.SendSealed(new Control { Kind = ControlKind.ControlSubscribe, RequestId = 1, Topic = "gateway/" });
        using var publisher = SessionPeer.Authenticate(bus, Components.Gateway);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // 48 MiB for the stuck subscriber, never read: without a byte budget the broker queues all of it for its socket.
        // The publisher is another connection, so everything it sent has left this process once the broker counted it.
        var payload = new string('x', 512 * 1024);
        for (var i = 0; i < 96; i++)
        {
            publisher.SendSealedRecords(RawRecord.Message(RecordOp.Publish, "gateway/flood", payload: payload));
        }

        await Eventually.TrueAsync(async () => (await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Clients.Any(c => c.Component == Components.Gateway && c.MessagesIn == 96), "the broker took all 96 publishes");
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;

        Assert.True(grown < 24 * 1024 * 1024, $"the broker grew by {grown / (1024 * 1024)} MiB for one stuck subscriber with an 8 MiB budget");
        var status = await cli.GetBrokerStatusAsync(BusFixture.Timeout());
        Assert.True(status.DroppedTotal > 0, "messages past the budget are dropped and counted");
        await Eventually.TrueAsync(async () => (await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Clients.Count(c => c.Component == Components.Gateway) == 1, "the stuck subscriber is disconnected");
        Assert.True((await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Refusals.GetValueOrDefault("stalled") >= 1);
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task A_publish_with_a_topic_over_1024_bytes_is_refused_and_other_subscribers_lose_nothing()
    {
        await using var bus = new BusFixture();
        var (monitor, received) = await MonitorAsync(bus, "gateway/");
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        using var attacker = SessionPeer.Authenticate(bus, Components.Gateway);

        attacker.SendSealedRecords(RawRecord.Message(RecordOp.Publish, "gateway/" + new string('t', 2000), payload: "long"));
        await PublishTwentyAndReceiveAllAsync(gateway, received);

        Assert.Equal(0, monitor.Dropped);
        var status = await bus.Broker.GetStatusAsync();
        Assert.Equal(1, status.Clients.Where(c => c.Component == Components.Gateway).Sum(c => c.Denied));
    }

    [Fact]
    public async Task A_request_with_a_correlation_id_over_256_bytes_is_refused_before_any_subscriber_sees_it()
    {
        await using var bus = new BusFixture();
        var (monitor, received) = await MonitorAsync(bus, "gateway/");
        using var attacker = SessionPeer.Authenticate(bus, Components.Gateway);

        attacker.SendSealedRecords([
            .. RawRecord.Message(RecordOp.Request, "gateway/ask", correlation: new string('c', 300), payload: "long-correlation"),
            .. RawRecord.Message(RecordOp.Publish, "gateway/marker", payload: "marker"),
        ]);

        var first = await received.Reader.ReadAsync(BusFixture.Timeout());
        Assert.Equal("gateway/marker", first.Topic);
        Assert.Equal(0, monitor.Dropped);
        Assert.Equal(1, (await bus.Broker.GetStatusAsync()).Clients.Where(c => c.Component == Components.Gateway).Sum(c => c.Denied));
    }

    [Fact]
    public async Task A_reply_with_a_topic_over_1024_bytes_is_refused_and_the_requester_loses_nothing()
    {
        await using var bus = new BusFixture();
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var delivered = Channel.CreateUnbounded<BusMessage>();
        await using var own = await gateway.SubscribeAsync("gateway/", (m, _) => delivered.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        using var model = SessionPeer.Authenticate(bus, Components.ModelService);
        model.SendSealed(new Control { Kind = ControlKind.ControlSubscribe, RequestId = 1, Topic = "modelservice/" });
        Assert.Contains(model.ReceiveRecords(), r => r.Op == RecordOp.Control);

        var pending = gateway.RequestAsync("modelservice/ask/v1", "ask", "q"u8.ToArray(), TimeSpan.FromSeconds(30), BusFixture.Timeout());
        var request = model.ReceiveRecords().Single(r => r.Op == RecordOp.Deliver);
        var correlation = RecordReader.ParseMessage(request.Body).Correlation.ToArray();
        model.SendSealedRecords(RawRecord.Message(RecordOp.Reply, Encoding.UTF8.GetBytes("modelservice/" + new string('t', 2000)), correlation, RawRecord.Envelope("long")));
        await PublishTwentyAndReceiveAllAsync(gateway, delivered);

        model.SendSealedRecords(RawRecord.Message(RecordOp.Reply, Encoding.UTF8.GetBytes("modelservice/ask/v1"), correlation, RawRecord.Envelope("good")));
        Assert.Equal("good", Encoding.UTF8.GetString((await pending).Payload.Span));
        Assert.Equal(0, gateway.Dropped);
        Assert.Equal(1, (await bus.Broker.GetStatusAsync()).Clients.Where(c => c.Component == Components.ModelService).Sum(c => c.Denied));
    }

    [Fact]
    public async Task A_second_request_with_the_same_correlation_id_from_the_same_requester_is_refused()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var requests = Channel.CreateUnbounded<BusMessage>();
        await using var handler = await model.SubscribeAsync("modelservice/", (m, _) => requests.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        using var requester = SessionPeer.Authenticate(bus, Components.Gateway);

        requester.SendSealedRecords([
            .. RawRecord.Message(RecordOp.Request, "modelservice/ask/v1", correlation: "same-id", payload: "first"),
            .. RawRecord.Message(RecordOp.Request, "modelservice/ask/v1", correlation: "same-id", payload: "duplicate"),
            .. RawRecord.Message(RecordOp.Request, "modelservice/ask/v1", correlation: "other-id", payload: "third"),
        ]);

        var seen = new List<BusMessage> { await requests.Reader.ReadAsync(BusFixture.Timeout()), await requests.Reader.ReadAsync(BusFixture.Timeout()) };
        Assert.Equal(2, seen.Count);
        Assert.Equal(1, (await bus.Broker.GetStatusAsync()).Clients.Where(c => c.Component == Components.Gateway).Sum(c => c.Denied));
        Assert.False(requests.Reader.TryRead(out var extra), "the duplicate reached the handler: " + extra?.Topic);
    }

    [Fact]
    public async Task A_reply_is_taken_neither_by_a_duplicate_correlation_id_nor_from_a_connection_the_request_never_reached()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var requests = Channel.CreateUnbounded<BusMessage>();
        await using var handler = await model.SubscribeAsync("modelservice/", (m, _) => requests.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        using var thief = SessionPeer.Authenticate(bus, Components.Cli);
        thief.SendSealed(new Control { Kind = ControlKind.ControlSubscribe, RequestId = 1, Topic = "cli/" });
        using var stranger = SessionPeer.Authenticate(bus, Components.LogConsumer);

        var pending = gateway.RequestAsync("modelservice/ask/v1", "ask", "question"u8.ToArray(), TimeSpan.FromSeconds(5), BusFixture.Timeout());
        var request = await requests.Reader.ReadAsync(BusFixture.Timeout());
        var correlation = request.CorrelationId!;

        // The thief re-uses the correlation id for its own request (to redirect the reply); the stranger answers it directly.
        thief.SendSealedRecords(RawRecord.Message(RecordOp.Request, "cli/steal", correlation: correlation, payload: "steal"));
        stranger.SendSealedRecords(RawRecord.Message(RecordOp.Reply, "modelservice/ask/v1", correlation: correlation, payload: "forged-answer"));
        await Eventually.TrueAsync(async () => (await bus.Broker.GetStatusAsync()).Clients.Where(c => c.Component is Components.Cli or Components.LogConsumer).Sum(c => c.MessagesIn) >= 2, "the broker read both attempts");
        await model.ReplyAsync(request, "answer", "real-answer"u8.ToArray(), BusFixture.Timeout());

        var reply = await pending;
        Assert.Equal("real-answer", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(Components.ModelService, reply.SourceComponent);
    }

    /// <summary>The next 20 messages of a good publisher all arrive, in order: nothing was lost to a corrupted batch.</summary>
    private static async Task PublishTwentyAndReceiveAllAsync(BusClient publisher, Channel<BusMessage> received)
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.True(publisher.TryPublish("gateway/after/" + i, "t", Encoding.UTF8.GetBytes("after-" + i)));
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("gateway/after/" + i, (await received.Reader.ReadAsync(BusFixture.Timeout())).Topic);
        }
    }

    private static async Task<(BusClient Monitor, Channel<BusMessage> Received)> MonitorAsync(BusFixture bus, string prefix)
    {
        var monitor = await bus.AuthenticatedClientAsync(Components.Cli);
        var received = Channel.CreateUnbounded<BusMessage>();
        await monitor.SubscribeAsync(prefix, (m, _) => received.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        return (monitor, received);
    }
}
