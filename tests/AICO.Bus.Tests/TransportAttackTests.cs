using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using AICO.Security;
using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus.Tests;

/// <summary>What travels on the wire, and what legacy or plaintext peers can (not) do, with real sockets.</summary>
public class TransportAttackTests
{
    [Fact]
    public async Task A_wire_tap_between_client_and_broker_sees_no_plaintext_of_the_payload()
    {
        await using var bus = new BusFixture();
        using var relay = new TcpRelay(bus.Endpoint);
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var received = Channel.CreateUnbounded<string>();
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) => received.Writer.WriteAsync(Encoding.UTF8.GetString(m.Payload.Span)).AsTask(), BusFixture.Timeout());
        var publisher = bus.Client(Components.Gateway, endpoint: relay.Endpoint);
        await publisher.WaitUntilAuthenticatedAsync(BusFixture.Timeout());

        var secret = "top-secret-log-line-" + Guid.NewGuid().ToString("N");
        Assert.True(publisher.TryPublish("logs/gateway/secret", "log", Encoding.UTF8.GetBytes(secret)));

        Assert.Equal(secret, await received.Reader.ReadAsync(BusFixture.Timeout()));
        Assert.True(relay.BytesSeen > 0);
        Assert.False(relay.Saw(Encoding.UTF8.GetBytes(secret)), "the payload crossed the wire in plaintext");
        Assert.False(relay.Saw(Encoding.UTF8.GetBytes("logs/gateway/secret")), "the topic crossed the wire in plaintext");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_legacy_ZMTP_peer_without_keys_gets_no_data_and_cannot_publish(int zmtpVersion)
    {
        await using var bus = new BusFixture();
        var monitor = await bus.AuthenticatedClientAsync(Components.Cli);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var received = Channel.CreateUnbounded<BusMessage>();
        await using var subscription = await monitor.SubscribeAsync("", (m, _) => received.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        using var attacker = new RawZmtpPeer(zmtpVersion);
        await attacker.ConnectAsync(bus.Endpoint);

        // Traffic without a handshake, a plaintext record that would be a publish, and a HELLO it cannot complete:
        // the gate closes the connection on the legacy greeting, before any of it reaches the router.
        try
        {
            await attacker.SendFrameAsync([FrameKind.Sealed, .. new byte[40]]);
            var forgedPublish = new RecordWriter();
            forgedPublish.WriteMessage(RecordOp.Publish, 0, Encoding.UTF8.GetBytes("logs/gateway/forged"), [], [], Encoding.UTF8.GetBytes("forged-by-attacker"));
            await attacker.SendFrameAsync([FrameKind.Sealed, .. forgedPublish.Written.ToArray()]);
            await attacker.SendFrameAsync(BusFlood.HelloFrame());
        }
        catch (IOException)
        {
            // Closed by the gate mid-write.
        }

        await attacker.Closed.WaitAsync(BusFixture.Timeout());
        var refusals = (await bus.Broker.GetStatusAsync()).Refusals;
        Assert.True(refusals.GetValueOrDefault(zmtpVersion == 1 ? "zmtp-legacy" : "zmtp-version") == 1, string.Join(", ", refusals));
        Assert.True(attacker.Received.Count <= ZmtpGreeting.Length, "the legacy peer got more than the broker's greeting");

        var marker = "gateway-private-" + Guid.NewGuid().ToString("N");
        Assert.True(gateway.TryPublish("logs/gateway/private", "log", Encoding.UTF8.GetBytes(marker)));
        var message = await received.Reader.ReadAsync(BusFixture.Timeout());

        Assert.Equal(marker, Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(Components.Gateway, message.SourceComponent);
        Assert.False(attacker.Contains(Encoding.UTF8.GetBytes(marker)), "the legacy peer saw another client's data");
        Assert.Equal(2, (await bus.Broker.GetStatusAsync()).Clients.Count);
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
        while (received.Reader.TryRead(out var extra))
        {
            Assert.NotEqual("logs/gateway/forged", extra.Topic);
        }
    }

    [Fact]
    public async Task A_plaintext_NetMQ_client_is_not_served()
    {
        await using var bus = new BusFixture();
        var monitor = await bus.AuthenticatedClientAsync(Components.Cli);
        var forwarded = 0;
        await using var subscription = await monitor.SubscribeAsync("", (_, _) => { Interlocked.Increment(ref forwarded); return Task.CompletedTask; }, BusFixture.Timeout());
        using var plain = new DealerSocket();
        plain.Options.Linger = TimeSpan.Zero;
        plain.Connect(bus.Endpoint);
        plain.TrySendFrame(TimeSpan.FromSeconds(1), new ClientHandshake(Components.Gateway, CurveKeyPair.Generate(), bus.Keys.Broker.PublicKey.ToArray()).Start());

        // An observation window for a negative: nothing may come back to a peer that does not speak CURVE.
        Assert.False(plain.TryReceiveFrameBytes(TimeSpan.FromSeconds(2), out _), "a plaintext client got an answer");
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
        await Eventually.TrueAsync(() => Volatile.Read(ref forwarded) >= 1, "the monitor sees the good client's message");
        Assert.Equal(1, Volatile.Read(ref forwarded));
    }

    [Fact]
    public async Task Raw_garbage_bytes_do_not_disturb_the_broker()
    {
        await using var bus = new BusFixture();
        var port = new Uri(bus.Endpoint.Replace("tcp://", "http://", StringComparison.Ordinal)).Port;
        var random = new Random(42);
        for (var i = 0; i < 5; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var junk = new byte[4096];
            random.NextBytes(junk);
            junk[0] = (byte)(i % 2 == 0 ? 0xFF : 0x05);
            try
            {
                await tcp.GetStream().WriteAsync(junk);
            }
            catch (IOException)
            {
                // The broker may drop the connection mid-write: that is the expected outcome.
            }
        }

        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
        Assert.True(bus.Broker.IsServing);
    }

    [Fact]
    public async Task A_client_sent_a_ZMTP_1_greeting_by_a_fake_server_sends_no_plaintext_payload_and_says_why()
    {
        using var fake = new FakeZmtp1Server();
        var keys = new BusTestKeys();
        await using var client = new BusClient(keys.For(Components.Gateway), new BusClientOptions { Endpoint = fake.Endpoint, WelcomeTimeout = TimeSpan.FromSeconds(1) });
        client.Start();
        var secret = "would-leak-" + Guid.NewGuid().ToString("N");
        Assert.True(client.TryPublish("logs/gateway/x", "log", Encoding.UTF8.GetBytes(secret)));

        await Eventually.TrueAsync(() => client.State == BusConnectionState.Unreachable && fake.Connections >= 2, "the client gives up on the fake server and retries");

        Assert.Contains("no WELCOME from broker", client.StatusReason);
        Assert.True(fake.Received.Count > 0, "the fake server saw the downgraded connection");
        Assert.False(RawBytes.Contains(fake.Received, Encoding.UTF8.GetBytes(Components.Gateway)), "the component name crossed in plaintext");
        Assert.False(RawBytes.Contains(fake.Received, keys.Clients[Components.Gateway].PublicKey.ToArray()), "the client's public key crossed in plaintext");
        Assert.False(RawBytes.Contains(fake.Received, Encoding.UTF8.GetBytes(secret)), "the payload leaked in plaintext");
        Assert.Equal(0, client.MessagesOut);
        await AuthenticationTests.AssertUnhealthyAsync(client, "no WELCOME");
    }

    [Fact]
    public async Task A_fake_server_that_downgrades_and_forges_a_challenge_is_caught_by_the_broker_proof()
    {
        // An answer shaped like ACCEPT (an ephemeral key and a tag) from a server that does not hold the broker's secret key.
        byte[] forged = [FrameKind.Accept, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(NoiseIK.Message2Overhead)];
        using var fake = new FakeZmtp1Server(forged);
        var keys = new BusTestKeys();
        await using var client = new BusClient(keys.For(Components.Gateway), new BusClientOptions { Endpoint = fake.Endpoint, WelcomeTimeout = TimeSpan.FromSeconds(30) });
        client.Start();
        var secret = "would-leak-" + Guid.NewGuid().ToString("N");
        Assert.True(client.TryPublish("logs/gateway/x", "log", Encoding.UTF8.GetBytes(secret)));

        await Eventually.TrueAsync(() => client.State == BusConnectionState.Unreachable, "the client refuses the impostor");

        Assert.Contains("failed to prove it holds the broker's secret key", client.StatusReason);
        Assert.False(RawBytes.Contains(fake.Received, Encoding.UTF8.GetBytes(secret)), "the payload leaked in plaintext");
        Assert.False(RawBytes.Contains(fake.Received, keys.Clients[Components.Gateway].PublicKey.ToArray()), "the client's public key crossed in plaintext to the impostor");
        Assert.Equal(0, client.MessagesOut);
    }
}
