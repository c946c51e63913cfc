using System.Text;
using System.Threading.Channels;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>Instances enrolled on other hosts (component@name) as the broker sees them: added, used, revoked while it runs.</summary>
public class EnrolmentTests
{
    private const string Instance = "modelservice@gpu-box";

    [Fact]
    public async Task An_instance_enrolled_while_the_broker_runs_is_accepted_without_a_restart_and_has_its_components_permissions()
    {
        await using var bus = new BusFixture();
        var keyPair = CurveKeyPair.Generate();
        await using var remote = InstanceClient(bus, keyPair);
        await Eventually.TrueAsync(() => remote.State == BusConnectionState.Denied, "the not yet enrolled instance is denied");

        await bus.Broker.ApplyEnrolmentsAsync(Snapshot(active: (Instance, keyPair)));
        await remote.WaitUntilAuthenticatedAsync(BusFixture.Timeout());

        var received = Channel.CreateUnbounded<BusMessage>();
        await using var _ = await remote.SubscribeAsync("modelservice/", (m, ct) => received.Writer.WriteAsync(m, ct).AsTask(), BusFixture.Timeout());
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        await gateway.PublishAsync("modelservice/embeddings/request/v1", "test", Encoding.UTF8.GetBytes("hi"), cancellationToken: BusFixture.Timeout());
        var message = await received.Reader.ReadAsync(BusFixture.Timeout());
        Assert.Equal(Components.Gateway, message.SourceComponent);
        await Assert.ThrowsAsync<BusDeniedException>(() => remote.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout()));
        Assert.Contains((await bus.Broker.GetStatusAsync()).Clients, c => c.Component == Instance);
    }

    [Fact]
    public async Task Revoking_an_instance_disconnects_it_at_once_and_denies_its_next_attempts_with_the_reason_revoked()
    {
        await using var bus = new BusFixture();
        var keyPair = CurveKeyPair.Generate();
        await bus.Broker.ApplyEnrolmentsAsync(Snapshot(active: (Instance, keyPair)));
        await using var remote = InstanceClient(bus, keyPair);
        await remote.WaitUntilAuthenticatedAsync(BusFixture.Timeout());

        await bus.Broker.ApplyEnrolmentsAsync(Snapshot(revoked: Instance));

        await Eventually.TrueAsync(() => remote.State == BusConnectionState.Denied, "the revoked instance is disconnected");
        Assert.Contains("revoked", remote.StatusReason);
        Assert.DoesNotContain((await bus.Broker.GetStatusAsync()).Clients, c => c.Component == Instance);
        var denials = remote.Denied;
        await Eventually.TrueAsync(() => remote.Denied > denials, "its next attempt is denied too");
        Assert.Contains("revoked", remote.StatusReason);
        Assert.Equal(BusConnectionState.Denied, remote.State);
    }

    [Fact]
    public async Task An_enrolment_named_like_an_installation_component_cannot_replace_that_components_key()
    {
        await using var bus = new BusFixture();
        var impostor = CurveKeyPair.Generate();

        await bus.Broker.ApplyEnrolmentsAsync(Snapshot(active: (Components.Gateway, impostor)));

        var fake = bus.Client(Components.Gateway, keyPair: impostor);
        await Eventually.TrueAsync(() => fake.State == BusConnectionState.Denied, "the impostor key is denied");
        await bus.AuthenticatedClientAsync(Components.Gateway);
    }

    private static BusClient InstanceClient(BusFixture bus, CurveKeyPair keyPair)
    {
        var client = new BusClient(
            new ComponentKeys { Component = Components.ModelService, Instance = Instance, KeyPair = keyPair, BrokerPublicKeyZ85 = bus.Keys.Broker.PublicKeyZ85 },
            new BusClientOptions { Endpoint = bus.Endpoint, MaxReconnectDelay = TimeSpan.FromSeconds(1) });
        client.Start();
        return client;
    }

    private static EnrolmentSnapshot Snapshot((string Name, CurveKeyPair Keys)? active = null, string? revoked = null) => new(
        active is { } a ? new Dictionary<string, string> { [a.Name] = a.Keys.PublicKeyZ85 } : new Dictionary<string, string>(),
        revoked is null ? new HashSet<string>() : new HashSet<string> { revoked });
}
