using System.Text.Json;
using AICO.Bus;
using AICO.Security;

namespace AICO.IntegrationTests;

/// <summary>Under the AppHost every process authenticates on the bus with the keys the AppHost injected.</summary>
[Collection(AicoAppCollection.Name)]
public class BusIntegrationTests(AicoAppFixture fixture)
{
    private static readonly string[] BusClients = [Components.Gateway, Components.ModelService, Components.LogConsumer];

    [Fact]
    public async Task The_broker_status_lists_every_resource_by_component_name()
    {
        var bus = fixture.App.GetEndpoint("broker", "bus");
        var keys = ComponentKeys.Derive(new MasterKeyStore(fixture.Paths).LoadDerivation(), Components.Cli);
        await using var cli = new BusClient(keys, new BusClientOptions { Endpoint = $"tcp://127.0.0.1:{bus.Port}" });
        cli.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await cli.WaitUntilAuthenticatedAsync(cts.Token);

        var status = await cli.GetBrokerStatusAsync(cts.Token);

        foreach (var component in BusClients)
        {
            Assert.Contains(status.Clients, c => c.Component == component);
        }

        Assert.All(status.Clients, c => Assert.Equal(0, c.Dropped));
    }

    [Fact]
    public async Task The_broker_health_reports_its_authenticated_clients()
    {
        using var http = fixture.App.CreateHttpClient("broker", "http");
        var body = await http.GetStringAsync("/health");

        var broker = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("broker");
        Assert.Equal("Healthy", broker.GetProperty("status").GetString());
        var components = broker.GetProperty("data").GetProperty("components").GetString()!.Split(',');
        Assert.Subset(components.ToHashSet(), BusClients.ToHashSet());
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("modelservice")]
    [InlineData("logconsumer")]
    public async Task Each_process_reports_its_bus_client_authenticated(string resource)
    {
        using var http = fixture.App.CreateHttpClient(resource, "http");
        var body = await http.GetStringAsync("/health");

        var check = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("bus");
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        Assert.Contains($"authenticated as '{resource}'", check.GetProperty("description").GetString());
    }
}
