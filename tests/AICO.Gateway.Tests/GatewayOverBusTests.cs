using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Models;
using AICO.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AICO.Gateway.Tests;

/// <summary>
/// The production path: HTTP -> gateway -> real broker (NetMQ on loopback) -> model service bus handlers -> back.
/// The broker, model service worker and gateway run in this process; every hop between them is a real socket.
/// </summary>
public sealed class GatewayOverBusFixture : IAsyncLifetime
{
    internal TestBus Bus { get; private set; } = null!;
    internal FakeOllamaServer Ollama { get; private set; } = null!;
    internal ModelServiceBusWorker Worker { get; private set; } = null!;
    internal TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Bus = TestBus.Start();
        Ollama = await FakeOllamaServer.StartAsync();
        var options = new ModelServiceOptions { OllamaEndpoint = Ollama.Endpoint.ToString(), ChatModel = "tiny" };
        var handler = new ModelServiceRequestHandler(TestGateway.SharedEngine.Value, new ChatService(ChatClientFactory.Create(options), options.ChatModel));
        Worker = new ModelServiceBusWorker(await Bus.ClientAsync(Components.ModelService), handler, Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await Worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TestBus.Deadline;
        while (!Worker.IsSubscribed)
        {
            Assert.True(DateTime.UtcNow < deadline, "model service did not subscribe");
            await Task.Delay(20);
        }

        Gateway = await TestGateway.StartAsync(bus: await Bus.ClientAsync(Components.Gateway));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Worker.StopAsync(CancellationToken.None);
        Worker.Dispose();
        await Bus.DisposeAsync();
        await Ollama.DisposeAsync();
    }
}

public class GatewayOverBusTests(GatewayOverBusFixture fixture) : IClassFixture<GatewayOverBusFixture>
{
    [Fact]
    public async Task Embeddings_travel_over_the_bus_to_the_model_service_and_back()
    {
        using var response = await fixture.Gateway.Http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { "The cat sits on the mat.", "A kitten rests on a rug." } });

        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var vectors = json.GetProperty("vectors").EnumerateArray().Select(v => v.EnumerateArray().Select(f => f.GetSingle()).ToArray()).ToList();
        Assert.Equal(2, vectors.Count);
        Assert.True(EmbeddingEngine.CosineSimilarity(vectors[0], vectors[1]) > 0.4f);
    }

    [Fact]
    public async Task Chat_streams_over_the_bus_as_server_sent_events()
    {
        using var response = await fixture.Gateway.Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "via bus" } }, stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().ToListAsync();
        Assert.Equal(FakeOllamaServer.ReplyTokens("via bus").Count, events.Count(e => e.EventType == "token"));
        Assert.Contains("Echo: via bus", events[^1].Data);
    }

    [Fact]
    public async Task The_admin_bus_endpoint_shows_the_brokers_clients_with_an_admin_token()
    {
        using var http = fixture.Gateway.WithToken(fixture.Gateway.Tokens.Issue("admin", GatewayRoles.Admin, TimeSpan.FromMinutes(5)));

        using var response = await http.GetAsync("/api/v1/admin/bus");

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var clients = JsonDocument.Parse(body).RootElement.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("component").GetString()).ToList();
        Assert.Contains(Components.Gateway, clients);
        Assert.Contains(Components.ModelService, clients);
    }

    [Fact]
    public async Task Health_reports_the_model_service_answering_over_the_bus()
    {
        using var response = await fixture.Gateway.Http.GetAsync("/api/v1/health");

        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", json.GetProperty("checks").GetProperty("modelservice").GetProperty("status").GetString());
    }
}

public class GatewayBusFailureTests
{
    [Fact]
    public async Task When_the_model_service_does_not_answer_in_time_the_gateway_returns_504()
    {
        await using var bus = TestBus.Start();
        await using var ollama = await FakeOllamaServer.StartAsync();
        var options = new ModelServiceOptions { OllamaEndpoint = ollama.Endpoint.ToString() };
        var handler = new ModelServiceRequestHandler(TestGateway.SharedEngine.Value, new ChatService(ChatClientFactory.Create(options), "tiny"));
        using var worker = new ModelServiceBusWorker(await bus.ClientAsync(Components.ModelService), handler, Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TestBus.Deadline;
        while (!worker.IsSubscribed)
        {
            Assert.True(DateTime.UtcNow < deadline, "model service did not subscribe");
            await Task.Delay(20);
        }

        await using var gateway = await TestGateway.StartAsync(bus: await bus.ClientAsync(Components.Gateway), extraArgs: "--Gateway:ChatTimeout=00:00:01");

        using var response = await gateway.Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "anyone?" } }, model = FakeOllamaServer.SilentModel });

        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal("timeout", json.GetProperty("code").GetString());
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task When_no_model_service_is_subscribed_the_gateway_returns_503_with_the_bus_reason()
    {
        await using var bus = TestBus.Start();
        await using var gateway = await TestGateway.StartAsync(bus: await bus.ClientAsync(Components.Gateway));

        using var response = await gateway.Http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { "anyone?" } });

        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("no subscriber", json.GetProperty("detail").GetString());
    }
}
