using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>
/// The broker's own client (which ships the broker's log records) authenticates as component 'broker' with the
/// broker key pair, through the same handshake as every client: knowing the broker public key is not enough.
/// </summary>
public class BrokerIdentityTests
{
    [Fact]
    public async Task The_broker_identity_authenticates_with_the_broker_key_pair_and_may_publish_only_its_own_logs()
    {
        await using var bus = new BusFixture();
        var self = bus.Client(Components.Broker, keyPair: bus.Keys.Broker);
        await self.WaitUntilAuthenticatedAsync(BusFixture.Timeout());

        var refusal = await Assert.ThrowsAsync<BusDeniedException>(() =>
            self.PublishConfirmedAsync("logs/gateway/forged", "log", new byte[1], null, BusFixture.Timeout()));
        await self.PublishConfirmedAsync("logs/broker/batch", "log", new byte[1], null, BusFixture.Timeout());

        Assert.Contains("'broker' may not publish to 'logs/gateway/forged'", refusal.Message);
        Assert.Contains((await bus.Broker.GetStatusAsync()).Clients, c => c.Component == Components.Broker);
    }

    [Fact]
    public async Task Claiming_the_broker_identity_without_the_broker_secret_key_fails_the_proof()
    {
        await using var bus = new BusFixture();
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);

        // The broker's public key is known to every client; a HELLO presenting it without the secret must not pass.
        peer.SendFrame(HandshakePeer.ImpostorHello(bus.Keys.Broker.PublicKey, bus.Keys.Broker.PublicKey, Components.Broker));
        var denied = HandshakePeer.AsDenied(peer.Receive());

        Assert.Equal(DenyCode.DenyProofFailed, denied.Code);
        Assert.Contains("failed to prove possession of the secret key", denied.Reason);
    }

    [Fact]
    public async Task Claiming_the_broker_identity_with_another_key_pair_is_denied()
    {
        await using var bus = new BusFixture();
        var impostor = bus.Client(Components.Broker, keyPair: CurveKeyPair.Generate());

        await Eventually.TrueAsync(() => impostor.State == BusConnectionState.Denied, "the impostor is denied");
        Assert.Contains("not on the allow-list", impostor.StatusReason);
        Assert.DoesNotContain((await bus.Broker.GetStatusAsync()).Clients, c => c.Component == Components.Broker);
    }

    [Fact]
    public void A_configured_broker_entry_with_another_key_is_a_configuration_error()
    {
        var keys = new BusTestKeys();
        var allowList = new Dictionary<string, string>(keys.AllowList) { [Components.Broker] = CurveKeyPair.Generate().PublicKeyZ85 };

        var error = Assert.Throws<ArgumentException>(() => new BrokerEngine(keys.Broker, allowList, new BrokerOptions()));

        Assert.Contains("'broker' is not this broker's public key", error.Message);
    }
}
