using AICO.Security;
using Microsoft.Extensions.Configuration;

namespace AICO.Bus.Tests;

public class TopicPermissionTests
{
    [Fact]
    public async Task Only_the_log_consumer_may_subscribe_to_logs_others_are_refused_with_a_reason()
    {
        await using var bus = new BusFixture();
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);

        var refusal = await Assert.ThrowsAsync<BusDeniedException>(() => gateway.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout()));
        await using var allowed = await consumer.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout());

        Assert.Contains("'gateway' may not subscribe to 'logs/'", refusal.Message);
        var status = await bus.Broker.GetStatusAsync();
        var gatewayStatus = Assert.Single(status.Clients, c => c.Component == Components.Gateway);
        Assert.Equal(1, gatewayStatus.Denied);
        Assert.DoesNotContain("logs/", gatewayStatus.Subscriptions);
    }

    [Fact]
    public async Task A_component_may_not_publish_logs_in_another_components_name()
    {
        await using var bus = new BusFixture();
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);

        var refusal = await Assert.ThrowsAsync<BusDeniedException>(() =>
            gateway.PublishConfirmedAsync("logs/modelservice/forged", "log", new byte[1], null, BusFixture.Timeout()));
        await gateway.PublishConfirmedAsync("logs/gateway/own", "log", new byte[1], null, BusFixture.Timeout());

        Assert.Contains("'gateway' may not publish to 'logs/modelservice/forged'", refusal.Message);
        Assert.Equal(1, gateway.Denied);
    }

    [Fact]
    public void Permissions_from_configuration_replace_the_defaults_of_that_component_only()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Bus:Permissions:gateway:Publish:0"] = "custom/",
                ["Bus:Permissions:gateway:Subscribe:0"] = "replies/",
            })
            .Build();

        var permissions = BusRegistration.ReadBrokerOptions(configuration.GetSection("Bus")).Permissions;

        Assert.True(permissions.MayPublish(Components.Gateway, "custom/x"u8));
        Assert.False(permissions.MayPublish(Components.Gateway, "logs/gateway/x"u8));
        Assert.True(permissions.MaySubscribe(Components.LogConsumer, "logs/"u8));
        Assert.False(permissions.MaySubscribe("unknown", ""u8));
    }
}
