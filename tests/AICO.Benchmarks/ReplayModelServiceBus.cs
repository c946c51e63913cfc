using System.Runtime.CompilerServices;
using System.Text.Json;
using AICO.Bus;
using AICO.Models.Contracts;
using AICO.Security;
using AICO.TestSupport;

namespace AICO.Benchmarks;

/// <summary>
/// BENCHMARK DOUBLE: a bus client whose chat stream requests are answered from memory, as the model service answers a
/// model that writes flat out: the first token alone, then frames of up to <see cref="FrameTokens"/> tokens
/// (<see cref="ChatTokens"/> JSON, the stand-in's token texts), then the ChatReply end frame (content and tokens, as the
/// model service sends it). It lets the gateway's own share of a streamed chat (HTTP, middleware, SSE) be measured
/// without the bus and the model service.
/// </summary>
internal sealed class ReplayModelServiceBus(int frameTokens) : IBusClient
{
    private readonly Dictionary<int, (byte[][] Frames, byte[] End)> _answers = [];

    public int FrameTokens => frameTokens;

    /// <summary>Tokens per answer.</summary>
    public int Tokens { get; set; } = 100;

    public string Component => Components.Gateway;

    public BusConnectionState State => BusConnectionState.Authenticated;

    public string StatusReason => "replaying from memory";

    public event Action<BusConnectionState>? StateChanged { add { } remove { } }

    /// <summary>The frames' payloads of an answer of <paramref name="tokens"/> tokens, and its end frame.</summary>
    public (byte[][] Frames, byte[] End) Answer(int tokens)
    {
        if (!_answers.TryGetValue(tokens, out var answer))
        {
            var texts = Enumerable.Range(0, tokens).Select(FakeOllamaServer.StreamToken).ToArray();
            var frames = new[] { texts[..1] }.Concat(texts[1..].Chunk(frameTokens))
                .Select(f => JsonSerializer.SerializeToUtf8Bytes(new ChatTokens(f), ModelServiceJsonContext.Default.ChatTokens)).ToArray();
            var end = JsonSerializer.SerializeToUtf8Bytes(new ChatReply(FakeOllamaServer.DripModel, string.Concat(texts), texts), ModelServiceJsonContext.Default.ChatReply);
            _answers[tokens] = answer = (frames, end);
        }

        return answer;
    }

    public async IAsyncEnumerable<BusMessage> RequestStreamAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (frames, end) = Answer(Tokens);
        foreach (var frame in frames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Message(ModelServiceTopics.ChatTokensType, frame, isEnd: false);
        }

        await Task.CompletedTask;
        yield return Message(ModelServiceTopics.ChatReplyType, end, isEnd: true);
    }

    private static BusMessage Message(string type, byte[] payload, bool isEnd) => new(
        ModelServiceTopics.ChatRequest, type, Components.ModelService, "replay", DateTimeOffset.UtcNow, payload, new Dictionary<string, string>(), "replay")
    {
        IsStreamEnd = isEnd,
    };

    public Task WaitUntilAuthenticatedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool TryPublish(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null) => throw new NotSupportedException();

    public ValueTask PublishAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IAsyncDisposable> SubscribeAsync(string topicPrefix, Func<BusMessage, CancellationToken, Task> handler, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<BusMessage> RequestAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask ReplyAsync(BusMessage request, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => throw new NotSupportedException();

    public BusReplyStream OpenReplyStream(BusMessage request) => throw new NotSupportedException();

    public Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
