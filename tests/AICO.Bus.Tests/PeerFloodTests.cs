using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>Peers without a key (or with only the broker's public key) that try to crash, stall or lock out the broker.</summary>
public class PeerFloodTests
{
    [Fact]
    public async Task A_keyless_ZMTP_1_peer_claiming_the_next_routing_id_neither_kills_the_broker_nor_blocks_the_next_client()
    {
        await using var bus = new BusFixture();
        var cli = await bus.AuthenticatedClientAsync(Components.Cli);
        var shown = (await cli.GetBrokerStatusAsync(BusFixture.Timeout())).Clients.Single(c => c.Component == Components.Cli).ConnectionId;

        // NetMQ's router numbers connections 0x00 + a 32-bit counter; a broker that shows that id tells an attacker the next one.
        using var attacker = new RawZmtpPeer(1, identity: NextRoutingId(shown));
        await attacker.ConnectAsync(bus.Endpoint);
        try
        {
            await attacker.SendFrameAsync(BusFlood.HelloFrame());
        }
        catch (IOException)
        {
            // The gate refuses a legacy greeting as soon as it sees it, so the HELLO may meet a closed connection.
        }

        await Task.WhenAny(attacker.Closed, Eventually.TrueAsync(() => attacker.Received.Count > 0, "the router took the claimed id"));

        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);

        Assert.True(bus.Broker.IsServing);
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
        var status = await cli.GetBrokerStatusAsync(BusFixture.Timeout());
        Assert.Contains(status.Clients, c => c.Component == Components.Gateway);
        Assert.DoesNotContain(status.Clients, c => c.ConnectionId.Length == 10 && c.ConnectionId.StartsWith("00", StringComparison.Ordinal));
        Assert.True(status.Refusals.GetValueOrDefault("zmtp-legacy") >= 1, "the legacy greeting is counted by reason: " + string.Join(", ", status.Refusals));
        Assert.Equal(BusConnectionState.Authenticated, gateway.State);
    }

    [Fact]
    public async Task Eleven_hundred_keyless_HELLO_connections_and_HELLO_streamers_leave_a_real_client_authenticated_and_publishing_within_two_seconds()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var received = Channel.CreateUnbounded<string>();
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) => received.Writer.WriteAsync(Encoding.UTF8.GetString(m.Payload.Span)).AsTask(), BusFixture.Timeout());
        await using var flood = new BusFlood(bus.Endpoint, bus.Keys.Broker);
        flood.StartKeylessHelloStreamer();
        flood.StartCurveHelloStreamer();
        await flood.OpenKeylessHellosAsync(1100);
        await Eventually.TrueAsync(() => Interlocked.Read(ref flood.HellosStreamed) > 100, "the streamers are sending HELLOs");

        var clock = Stopwatch.StartNew();
        var gateway = bus.Client(Components.Gateway);
        await gateway.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        Assert.True(gateway.TryPublish("logs/gateway/under-attack", "log", "still here"u8.ToArray()));
        Assert.Equal("still here", await received.Reader.ReadAsync(BusFixture.Timeout()));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"a real client needed {clock.Elapsed.TotalSeconds:0.00}s to authenticate and publish under the flood");
        var status = await bus.Broker.GetStatusAsync();
        Assert.True(status.Refusals.GetValueOrDefault("zmtp-legacy") >= 1000, "keyless connections are refused at the greeting and counted: " + string.Join(", ", status.Refusals));
        await Eventually.TrueAsync(async () => (await bus.Broker.GetStatusAsync()).Refusals.GetValueOrDefault("repeated-hello") > 0, "the CURVE streamer's repeated HELLOs are counted as denials");
    }

    /// <summary>The old broker showed routing ids as hex: claim the one after it. A random id tells nothing: claim any.</summary>
    private static byte[] NextRoutingId(string shown)
    {
        if (shown.Length == 10 && shown.StartsWith("00", StringComparison.Ordinal))
        {
            var id = Convert.FromHexString(shown);
            BinaryPrimitives.WriteInt32LittleEndian(id.AsSpan(1), BinaryPrimitives.ReadInt32LittleEndian(id.AsSpan(1)) + 1);
            return id;
        }

        return [0x00, .. Guid.NewGuid().ToByteArray()[..4]];
    }
}
