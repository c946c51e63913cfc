using System.Text;
using System.Threading.Channels;
using AICO.Security;

namespace AICO.Bus.Tests;

public class ResilienceTests
{
    [Fact]
    public async Task After_a_broker_restart_clients_reauthenticate_restore_subscriptions_and_carry_on()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var received = Channel.CreateUnbounded<string>();
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) => received.Writer.WriteAsync(Encoding.UTF8.GetString(m.Payload.Span)).AsTask(), BusFixture.Timeout());
        Assert.True(gateway.TryPublish("logs/gateway/x", "log", "before"u8.ToArray()));
        Assert.Equal("before", await received.Reader.ReadAsync(BusFixture.Timeout()));
        var reauthenticated = 0;
        consumer.StateChanged += s => { if (s == BusConnectionState.Authenticated) Interlocked.Increment(ref reauthenticated); };
        gateway.StateChanged += s => { if (s == BusConnectionState.Authenticated) Interlocked.Increment(ref reauthenticated); };

        await bus.RestartBrokerAsync();

        await Eventually.TrueAsync(() => Volatile.Read(ref reauthenticated) == 2, "both clients re-authenticate with the new broker");
        await Eventually.TrueAsync(
            async () => (await bus.Broker.GetStatusAsync()).Clients.Any(c => c.Component == Components.LogConsumer && c.Subscriptions.Contains("logs/")),
            "the consumer's subscription is restored");
        Assert.True(gateway.TryPublish("logs/gateway/x", "log", "after"u8.ToArray()));
        Assert.Equal("after", await received.Reader.ReadAsync(BusFixture.Timeout()));
    }

    [Fact]
    public async Task A_client_that_vanishes_without_a_word_is_detected_by_heartbeat_and_its_subscriptions_removed()
    {
        await using var bus = new BusFixture(new BrokerOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(500), HeartbeatMisses = 4 });
        var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);
        peer.Authenticate(Components.LogConsumer, bus.Keys.Clients[Components.LogConsumer]);
        peer.SendSealed(new Control { Kind = ControlKind.ControlSubscribe, RequestId = 1, Topic = "logs/" });
        await Eventually.TrueAsync(
            async () => (await bus.Broker.GetStatusAsync()).Clients.Any(c => c.Component == Components.LogConsumer && c.Subscriptions.Contains("logs/")),
            "the peer's subscription is registered");

        peer.Dispose();

        await Eventually.TrueAsync(
            async () => !(await bus.Broker.GetStatusAsync()).Clients.Any(c => c.Component == Components.LogConsumer),
            "the silent peer is removed with its subscription");
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task A_disposed_client_says_goodbye_and_leaves_the_broker_status_at_once()
    {
        await using var bus = new BusFixture(new BrokerOptions { HeartbeatInterval = TimeSpan.FromMinutes(1) });
        var cli = await bus.AuthenticatedClientAsync(Components.Cli);
        var consumer = new BusClient(bus.Keys.For(Components.LogConsumer), new BusClientOptions { Endpoint = bus.Endpoint });
        consumer.Start();
        await consumer.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        Assert.Contains((await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Clients, c => c.Component == Components.LogConsumer);

        await consumer.DisposeAsync();

        // Heartbeats would take minutes here: only the goodbye can remove it before the deadline.
        await Eventually.TrueAsync(
            async () => !(await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Clients.Any(c => c.Component == Components.LogConsumer),
            "the departed consumer is removed");
        Assert.Equal(BusConnectionState.Disposed, consumer.State);
    }

    [Fact]
    public async Task A_replayed_or_forged_sealed_frame_is_dropped_and_counted()
    {
        await using var bus = new BusFixture();
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);
        peer.Authenticate(Components.LogConsumer, bus.Keys.Clients[Components.LogConsumer]);
        var frame = peer.SendSealed(new Control { Kind = ControlKind.ControlPing, RequestId = 7 });
        Assert.Equal(FrameKind.Sealed, peer.Receive()[0]);

        peer.SendFrame(frame);
        var forged = (byte[])frame.Clone();
        forged[1] = 0x7F;
        forged[^1] ^= 0x01;
        peer.SendFrame(forged);

        await Eventually.TrueAsync(
            async () => (await bus.Broker.GetStatusAsync()).Clients.Single(c => c.Component == Components.LogConsumer).Dropped == 2,
            "the replayed and the forged frame are both counted as dropped");
    }

    [Fact]
    public async Task An_oversized_message_is_refused_with_the_limit_and_the_broker_keeps_serving()
    {
        await using var bus = new BusFixture(new BrokerOptions { MaxMessageBytes = 4096 });
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);

        var refusal = await Assert.ThrowsAsync<BusDeniedException>(() =>
            gateway.PublishConfirmedAsync("logs/gateway/big", "log", new byte[10_000], null, BusFixture.Timeout()));

        Assert.Contains("exceeds the broker limit of 4096 bytes", refusal.Message);
        await gateway.PublishConfirmedAsync("logs/gateway/small", "log", new byte[100], null, BusFixture.Timeout());
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task A_full_outbound_queue_refuses_and_counts_instead_of_losing_silently()
    {
        var keys = new BusTestKeys();
        await using var client = new BusClient(keys.For(Components.Gateway), new BusClientOptions { Endpoint = "tcp://127.0.0.1:1", OutboundCapacity = 10 });

        var accepted = Enumerable.Range(0, 15).Count(_ => client.TryPublish("logs/gateway/x", "log", new byte[10]));

        Assert.Equal(10, accepted);
        Assert.Equal(5, client.Dropped);
    }
}
