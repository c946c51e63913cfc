using System.Text.Json;
using AICO.Bus;
using AICO.Models.Contracts;
using AICO.Security;
using AICO.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AICO.Models.Tests;

/// <summary>
/// Streamed chat through the model service's bus worker over a real broker, against the Ollama stand-in (the HTTP
/// fake at the true edge): tokens leave as the backend produces them, and a requester that goes away stops the backend.
/// </summary>
[Collection(EncoderCollection.Name)]
public class ChatStreamingTests(SharedEncoder shared) : IAsyncLifetime
{
    private static readonly BusStreamOptions Stream = new() { Window = 8, IdleTimeout = TestBus.Deadline };

    private TestBus _bus = null!;
    private FakeOllamaServer _ollama = null!;
    private ModelServiceBusWorker _worker = null!;
    private IBusClient _gateway = null!;

    public async Task InitializeAsync()
    {
        _bus = TestBus.Start();
        _ollama = await FakeOllamaServer.StartAsync();
        var options = new ModelServiceOptions { OllamaEndpoint = _ollama.Endpoint.ToString(), ChatModel = "tiny" };
        var chat = new ChatService(ChatClientFactory.Create(options), options.ChatModel);
        _worker = new ModelServiceBusWorker(await _bus.ClientAsync(Components.ModelService), new ModelServiceRequestHandler(shared.Engine, chat), Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await _worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TestBus.Deadline;
        while (!_worker.IsSubscribed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not subscribe in time");
            await Task.Delay(20);
        }

        _gateway = await _bus.ClientAsync(Components.Gateway);
    }

    public async Task DisposeAsync()
    {
        // The stand-in first: a backend request the worker failed to cancel then ends, and the test fails instead of hanging.
        await _ollama.DisposeAsync();
        await _worker.StopAsync(CancellationToken.None);
        _worker.Dispose();
        await _bus.DisposeAsync();
    }

    private IAsyncEnumerable<BusMessage> Chat(string model, CancellationToken cancellationToken, string prompt = "hi") => _gateway.RequestStreamAsync(
        ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
        JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([new("user", prompt)], model, Stream: true), ModelServiceJsonContext.Default.ChatRequest),
        Stream, cancellationToken);

    private static IReadOnlyList<string> Deltas(BusMessage item) => JsonSerializer.Deserialize(item.Payload.Span, ModelServiceJsonContext.Default.ChatTokens)!.Deltas;

    [Fact]
    public async Task Each_token_reaches_the_requester_before_the_backend_has_written_the_next_and_the_end_holds_the_whole_answer()
    {
        _ollama.DripTokens = 5;
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        var deltas = new List<string>();
        ChatReply? end = null;
        await foreach (var item in Chat(FakeOllamaServer.GatedModel, timeout.Token))
        {
            if (item.IsStreamEnd)
            {
                end = JsonSerializer.Deserialize(item.Payload.Span, ModelServiceJsonContext.Default.ChatReply);
                continue;
            }

            Assert.Equal(ModelServiceTopics.ChatTokensType, item.MessageType);
            deltas.AddRange(Deltas(item));
            Assert.Equal(deltas.Count, _ollama.TokensWritten); // the stand-in writes the next one only when released below
            _ollama.Gate.Release();
        }

        var expected = Enumerable.Range(0, 5).Select(FakeOllamaServer.StreamToken).ToList();
        Assert.Equal(expected, deltas);
        Assert.NotNull(end);
        Assert.Equal(string.Concat(expected), end.Content);
    }

    [Fact]
    public async Task Tokens_the_backend_produced_while_the_requester_was_not_reading_arrive_together_in_order()
    {
        _ollama.DripTokens = 6;
        var before = _ollama.TokensWritten;
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        // A window of one frame: while the first frame waits unread, at most one more can leave the model service.
        var frames = new List<IReadOnlyList<string>>();
        await using var items = _gateway.RequestStreamAsync(
            ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
            JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([new("user", "hi")], FakeOllamaServer.GatedModel, Stream: true), ModelServiceJsonContext.Default.ChatRequest),
            new BusStreamOptions { Window = 1, IdleTimeout = TestBus.Deadline }, timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await items.MoveNextAsync());
        frames.Add(Deltas(items.Current));

        _ollama.Gate.Release(5);
        await Eventually.TrueAsync(() => _ollama.TokensWritten - before == 6, "the stand-in wrote all six tokens");
        while (await items.MoveNextAsync() && !items.Current.IsStreamEnd)
        {
            frames.Add(Deltas(items.Current));
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(FakeOllamaServer.StreamToken), frames.SelectMany(f => f));
        Assert.True(frames.Count <= 3, $"six tokens took {frames.Count} frames: {string.Join(" | ", frames.Select(f => string.Join(",", f)))}");
    }

    [Fact]
    public async Task A_requester_that_stops_reading_cancels_the_backend_request()
    {
        _ollama.DripTokens = 1000;
        _ollama.DripInterval = TimeSpan.FromMilliseconds(20);
        using var caller = new CancellationTokenSource(TestBus.Deadline);
        await foreach (var item in Chat(FakeOllamaServer.DripModel, caller.Token))
        {
            break; // the caller goes away after the first token
        }

        await _ollama.Aborts.ReadAsync(caller.Token).AsTask().WaitAsync(TestBus.Deadline);
        Assert.True(_ollama.TokensWritten < 1000, "the stand-in was not stopped: it wrote every token");
    }

    [Fact]
    public async Task A_requester_that_goes_away_while_the_backend_is_silent_cancels_the_backend_request_at_once()
    {
        // The gated stand-in writes its first token, then nothing until released (never here): a model thinking
        // for seconds between tokens. A cancel that only took effect at the next line would never arrive.
        var prompt = "silent after one " + Guid.NewGuid().ToString("N");
        var aborted = _ollama.AbortOf(prompt);
        using var caller = new CancellationTokenSource(TestBus.Deadline);
        await foreach (var item in Chat(FakeOllamaServer.GatedModel, caller.Token, prompt))
        {
            break; // the caller goes away after the first token
        }

        await aborted.WaitAsync(TestBus.Deadline);
        Assert.Equal(1, _ollama.TokensWritten);
    }

    [Fact]
    public async Task A_backend_failure_ends_the_stream_with_a_typed_error()
    {
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        var items = new List<BusMessage>();
        await foreach (var item in Chat(FakeOllamaServer.MissingModel, timeout.Token))
        {
            items.Add(item);
        }

        var end = Assert.Single(items);
        Assert.True(end.IsStreamEnd);
        Assert.Equal(ModelServiceTopics.ErrorReplyType, end.MessageType);
        Assert.Equal(ModelServiceErrorCodes.BackendUnavailable, JsonSerializer.Deserialize(end.Payload.Span, ModelServiceJsonContext.Default.ErrorReply)!.Code);
    }
}
