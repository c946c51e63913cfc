using AICO.Models.Contracts;

namespace AICO.Models.Tests;

public class ChatServiceTests : IAsyncLifetime
{
    private FakeOllamaServer _ollama = null!;

    public async Task InitializeAsync() => _ollama = await FakeOllamaServer.StartAsync();

    public async Task DisposeAsync() => await _ollama.DisposeAsync();

    private ChatService Configured() =>
        new(ChatClientFactory.Create(new ModelServiceOptions { OllamaEndpoint = _ollama.Endpoint.ToString(), ChatModel = "tiny" }), "tiny");

    [Fact]
    public async Task Chat_goes_through_the_Ollama_backend_when_an_endpoint_is_configured()
    {
        var reply = await Configured().CompleteAsync(new ChatRequest([new("system", "be brief"), new("user", "hello there")]), CancellationToken.None);

        Assert.Equal("Echo: hello there", reply.Content);
        Assert.Equal("tiny", reply.Model);
        var sent = Assert.Single(_ollama.Requests);
        Assert.Equal("tiny", sent["model"]!.GetValue<string>());
        Assert.Equal(2, sent["messages"]!.AsArray().Count);
    }

    [Fact]
    public async Task Streaming_yields_the_backend_tokens_in_order_and_the_request_model_overrides_the_default()
    {
        var tokens = new List<string>();
        await foreach (var token in Configured().StreamAsync(new ChatRequest([new("user", "stream me")], Model: "other"), CancellationToken.None))
        {
            tokens.Add(token);
        }

        Assert.Equal(FakeOllamaServer.ReplyTokens("stream me"), tokens);
        Assert.Equal("other", Assert.Single(_ollama.Requests)["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_an_endpoint_chat_fails_with_no_chat_model_configured()
    {
        var service = new ChatService(ChatClientFactory.Create(new ModelServiceOptions()), "tiny");

        var ex = await Assert.ThrowsAsync<ModelServiceException>(() => service.CompleteAsync(new ChatRequest([new("user", "hi")]), CancellationToken.None));

        Assert.False(service.IsConfigured);
        Assert.Equal(ModelServiceErrorCodes.NoChatModel, ex.Code);
        Assert.Contains("no chat model configured", ex.Message);
    }

    [Fact]
    public async Task A_backend_error_is_reported_as_backend_unavailable()
    {
        var ex = await Assert.ThrowsAsync<ModelServiceException>(() =>
            Configured().CompleteAsync(new ChatRequest([new("user", "hi")], Model: FakeOllamaServer.MissingModel), CancellationToken.None));

        Assert.Equal(ModelServiceErrorCodes.BackendUnavailable, ex.Code);
    }

    [Fact]
    public void An_endpoint_that_is_not_an_http_url_is_a_configuration_error()
    {
        Assert.Throws<InvalidOperationException>(() => ChatClientFactory.Create(new ModelServiceOptions { OllamaEndpoint = "ftp://x" }));
    }
}
