using System.Text;
using System.Threading.Channels;
using AICO.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Bus.Tests;

public class AuthenticationTests
{
    [Fact]
    public async Task A_client_with_an_unlisted_key_is_denied_with_the_reason_and_good_clients_keep_working()
    {
        await using var bus = new BusFixture();
        var intruder = bus.Client(Components.Gateway, keyPair: CurveKeyPair.Generate());

        await Eventually.TrueAsync(() => intruder.State == BusConnectionState.Denied, "the unlisted client is denied");
        Assert.Contains("not on the allow-list", intruder.StatusReason);
        Assert.Contains("gateway", intruder.StatusReason);
        await AssertUnhealthyAsync(intruder, "not on the allow-list");
        await AssertGoodClientsWorkAsync(bus);
        var status = await bus.Broker.GetStatusAsync();
        Assert.True(status.DeniedTotal > 0);
        Assert.DoesNotContain(status.Clients, c => c.Component == Components.Gateway);
    }

    [Fact]
    public async Task A_component_name_that_is_not_on_the_allow_list_is_denied()
    {
        await using var bus = new BusFixture();
        var stranger = bus.Client("evil", keyPair: bus.Keys.Clients[Components.Gateway]);

        await Eventually.TrueAsync(() => stranger.State == BusConnectionState.Denied, "the unknown component is denied");
        Assert.Contains("component 'evil' is not on the broker's allow-list", stranger.StatusReason);
    }

    [Fact]
    public async Task Claiming_a_listed_component_without_its_secret_key_fails_the_proof()
    {
        await using var bus = new BusFixture();
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);

        // The gateway's public key with ss made from some other secret: what an impostor can do.
        peer.SendFrame(HandshakePeer.ImpostorHello(bus.Keys.Broker.PublicKey, bus.Keys.Clients[Components.Gateway].PublicKey, Components.Gateway));
        var denied = HandshakePeer.AsDenied(peer.Receive());

        Assert.Equal(DenyCode.DenyProofFailed, denied.Code);
        Assert.Contains("failed to prove possession of the secret key", denied.Reason);
        await AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task A_replayed_HELLO_is_refused_before_any_key_agreement()
    {
        await using var bus = new BusFixture();
        byte[] recorded;
        using (var first = new HandshakePeer(bus.Endpoint, bus.Keys.Broker))
        {
            first.Authenticate(Components.Gateway, bus.Keys.Clients[Components.Gateway]);
            recorded = first.LastHello;
        }

        using var replayer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);
        replayer.SendFrame(recorded);
        var denied = HandshakePeer.AsDenied(replayer.Receive());

        Assert.Equal(DenyCode.DenyReplayedProof, denied.Code);
        Assert.Contains("replayed", denied.Reason);
    }

    [Fact]
    public async Task Traffic_before_the_handshake_gets_an_explicit_denial()
    {
        await using var bus = new BusFixture();
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);

        peer.Send(FrameKind.Sealed, new byte[64]);
        var denied = HandshakePeer.AsDenied(peer.Receive());

        Assert.Equal(DenyCode.DenyNoSession, denied.Code);
        Assert.Contains("no session", denied.Reason);
    }

    [Fact]
    public async Task A_client_with_the_wrong_broker_public_key_turns_unreachable_and_its_health_says_why()
    {
        await using var bus = new BusFixture();
        var lost = bus.Client(Components.Gateway, brokerPublicKey: CurveKeyPair.Generate().PublicKeyZ85, welcomeTimeout: TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => lost.State == BusConnectionState.Unreachable, "the client gives up waiting for WELCOME");
        Assert.Contains("no WELCOME from broker", lost.StatusReason);
        Assert.Contains("check the broker public key", lost.StatusReason);
        await AssertUnhealthyAsync(lost, "check the broker public key");
        Assert.True(lost.TryPublish("logs/gateway/x", "t", new byte[1]), "queued while unreachable");
        Assert.Equal(0, lost.MessagesOut);
        await AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task An_authenticated_client_is_healthy()
    {
        await using var bus = new BusFixture();
        var client = await bus.AuthenticatedClientAsync(Components.ModelService);

        var result = await new BusHealthCheck(client).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("authenticated as 'modelservice'", result.Description);
    }

    internal static async Task AssertUnhealthyAsync(BusClient client, string reason)
    {
        var result = await new BusHealthCheck(client).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains(reason, result.Description);
    }

    /// <summary>A fresh authorized publisher and subscriber still exchange a message.</summary>
    internal static async Task AssertGoodClientsWorkAsync(BusFixture bus, string? marker = null)
    {
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var publisher = await bus.AuthenticatedClientAsync(Components.ModelService);
        var received = Channel.CreateUnbounded<string>();
        await using var subscription = await consumer.SubscribeAsync("logs/modelservice/", (m, _) => received.Writer.WriteAsync(Encoding.UTF8.GetString(m.Payload.Span)).AsTask(), BusFixture.Timeout());
        var text = marker ?? "still-serving-" + Guid.NewGuid().ToString("N");
        Assert.True(publisher.TryPublish("logs/modelservice/check", "t", Encoding.UTF8.GetBytes(text)));
        Assert.Equal(text, await received.Reader.ReadAsync(BusFixture.Timeout()));
    }
}
