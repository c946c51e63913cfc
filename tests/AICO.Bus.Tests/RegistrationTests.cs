using AICO.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AICO.Bus.Tests;

/// <summary>The one-line host wiring: a broker host and a client host built from configuration, as the processes do.</summary>
public class RegistrationTests
{
    [Fact]
    public async Task A_client_host_authenticates_against_a_broker_host_and_both_health_checks_say_so()
    {
        var keys = new BusTestKeys();
        var brokerBuilder = Host.CreateApplicationBuilder();
        brokerBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Endpoint"] = "tcp://127.0.0.1:0",
            [ComponentKeys.SecretKeySetting] = keys.Broker.SecretKeyZ85,
            [ComponentKeys.BrokerPublicKeySetting] = keys.Broker.PublicKeyZ85,
            [ComponentKeys.AllowListSetting] = ComponentKeys.FormatAllowList(keys.AllowList),
        });
        brokerBuilder.AddAicoBroker();
        using var brokerHost = brokerBuilder.Build();
        await brokerHost.StartAsync(BusFixture.Timeout());
        var endpoint = brokerHost.Services.GetRequiredService<BrokerEngine>().BoundEndpoint;

        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [BusRegistration.EndpointSetting] = endpoint,
            [ComponentKeys.SecretKeySetting] = keys.Clients[Components.Gateway].SecretKeyZ85,
            [ComponentKeys.BrokerPublicKeySetting] = keys.Broker.PublicKeyZ85,
        });
        clientBuilder.AddAicoBusClient(Components.Gateway);
        using var clientHost = clientBuilder.Build();
        await clientHost.StartAsync(BusFixture.Timeout());

        var bus = clientHost.Services.GetRequiredService<IBusClient>();
        await bus.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var clientHealth = await clientHost.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(BusFixture.Timeout());
        var brokerHealth = await brokerHost.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(BusFixture.Timeout());

        Assert.Equal(HealthStatus.Healthy, clientHealth.Entries["bus"].Status);
        Assert.Equal(HealthStatus.Healthy, brokerHealth.Entries["broker"].Status);
        Assert.Equal("gateway", brokerHealth.Entries["broker"].Data["components"]);
        Assert.Equal(1, brokerHealth.Entries["broker"].Data["clients"]);

        await clientHost.StopAsync(BusFixture.Timeout());
        await brokerHost.StopAsync(BusFixture.Timeout());
        Assert.Equal(BusConnectionState.Disposed, bus.State);
    }
}
