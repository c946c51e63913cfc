using System.Text.Json;
using AICO.Bus;
using AICO.Models.Contracts;
using AICO.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AICO.Models.Tests;

/// <summary>The bus handlers over a real broker: real NetMQ sockets on loopback, the real sealed sessions.</summary>
[Collection(EncoderCollection.Name)]
public class ModelServiceBusWorkerTests(SharedEncoder shared) : IAsyncLifetime
{
    private TestBus _bus = null!;
    private FakeOllamaServer _ollama = null!;

    public async Task InitializeAsync()
    {
        _bus = TestBus.Start();
        _ollama = await FakeOllamaServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    private async Task<ModelServiceBusWorker> StartWorkerAsync(ModelServiceOptions options)
    {
        var client = await _bus.ClientAsync(Components.ModelService);
        var chat = new ChatService(ChatClientFactory.Create(options), options.ChatModel);
        var worker = new ModelServiceBusWorker(client, new ModelServiceRequestHandler(shared.Engine, chat), Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TestBus.Deadline;
        while (!worker.IsSubscribed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not subscribe in time");
            await Task.Delay(20);
        }

        return worker;
    }

    private static async Task<BusMessage> RequestAsync<T>(IBusClient gateway, string topic, string type, T request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        return await gateway.RequestAsync(topic, type, JsonSerializer.SerializeToUtf8Bytes(request, info), TestBus.Deadline, timeout.Token);
    }

    [Fact]
    public async Task An_embeddings_request_over_the_bus_is_answered_with_vectors()
    {
        var worker = await StartWorkerAsync(new ModelServiceOptions());
        var gateway = await _bus.ClientAsync(Components.Gateway);

        var reply = await RequestAsync(gateway, ModelServiceTopics.EmbeddingsRequest, ModelServiceTopics.EmbeddingsRequestType,
            new EmbeddingsRequest(["over the bus"]), ModelServiceJsonContext.Default.EmbeddingsRequest);

        Assert.Equal(ModelServiceTopics.EmbeddingsReplyType, reply.MessageType);
        Assert.Equal(EmbeddingEngine.Dimensions, JsonSerializer.Deserialize(reply.Payload.Span, ModelServiceJsonContext.Default.EmbeddingsReply)!.Vectors[0].Length);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Chat_over_the_bus_reaches_Ollama_and_returns_the_tokens()
    {
        var worker = await StartWorkerAsync(new ModelServiceOptions { OllamaEndpoint = _ollama.Endpoint.ToString(), ChatModel = "tiny" });
        var gateway = await _bus.ClientAsync(Components.Gateway);

        var reply = await RequestAsync(gateway, ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
            new ChatRequest([new("user", "bus")], Stream: true), ModelServiceJsonContext.Default.ChatRequest);

        var chat = JsonSerializer.Deserialize(reply.Payload.Span, ModelServiceJsonContext.Default.ChatReply)!;
        Assert.Equal("Echo: bus", chat.Content);
        Assert.Equal(FakeOllamaServer.ReplyTokens("bus"), chat.Tokens);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_request_past_its_timeout_is_cancelled_and_answered_with_a_timeout_error()
    {
        var worker = await StartWorkerAsync(new ModelServiceOptions
        {
            OllamaEndpoint = _ollama.Endpoint.ToString(),
            RequestTimeout = TimeSpan.FromMilliseconds(500),
        });
        var gateway = await _bus.ClientAsync(Components.Gateway);

        var reply = await RequestAsync(gateway, ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
            new ChatRequest([new("user", "hello?")], Model: FakeOllamaServer.SilentModel), ModelServiceJsonContext.Default.ChatRequest);

        Assert.Equal(ModelServiceTopics.ErrorReplyType, reply.MessageType);
        Assert.Equal(ModelServiceErrorCodes.Timeout, JsonSerializer.Deserialize(reply.Payload.Span, ModelServiceJsonContext.Default.ErrorReply)!.Code);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Beyond_the_concurrency_and_queue_bounds_requests_are_answered_busy()
    {
        var worker = await StartWorkerAsync(new ModelServiceOptions
        {
            OllamaEndpoint = _ollama.Endpoint.ToString(),
            MaxConcurrentRequests = 1,
            MaxQueuedRequests = 0,
        });
        var gateway = await _bus.ClientAsync(Components.Gateway);
        var silent = RequestAsync(gateway, ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
            new ChatRequest([new("user", "hold the slot")], Model: FakeOllamaServer.SilentModel), ModelServiceJsonContext.Default.ChatRequest);
        var deadline = DateTime.UtcNow + TestBus.Deadline;
        while (_ollama.Requests.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first request never reached the backend");
            await Task.Delay(20);
        }

        var reply = await RequestAsync(gateway, ModelServiceTopics.EmbeddingsRequest, ModelServiceTopics.EmbeddingsRequestType,
            new EmbeddingsRequest(["no room"]), ModelServiceJsonContext.Default.EmbeddingsRequest);

        Assert.Equal(ModelServiceErrorCodes.Busy, JsonSerializer.Deserialize(reply.Payload.Span, ModelServiceJsonContext.Default.ErrorReply)!.Code);

        // Stopping cancels the request in flight and still answers it.
        await worker.StopAsync(CancellationToken.None);
        var stopped = await silent.WaitAsync(TestBus.Deadline);
        Assert.Equal(ModelServiceTopics.ErrorReplyType, stopped.MessageType);
    }
}
