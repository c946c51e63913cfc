
namespace AICO.Gateway.Tests;

/// <summary>One gateway (and its fake Ollama) shared by the tests of a class.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    internal TestGateway Gateway { get; private set; } = null!;
    internal FakeOllamaServer Ollama { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Ollama = await FakeOllamaServer.StartAsync();
        Gateway = await TestGateway.StartAsync(Ollama.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Ollama.DisposeAsync();
    }
}
