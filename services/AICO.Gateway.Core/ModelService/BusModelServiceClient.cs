using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AICO.Bus;
using AICO.Gateway.Endpoints;
using AICO.Models.Contracts;
using Microsoft.Extensions.Options;

namespace AICO.Gateway.ModelService;

/// <summary>Reaches the model service by request/reply on the bus; error replies come back as <see cref="ModelServiceException"/>.</summary>
internal sealed class BusModelServiceClient(IBusClient bus, IOptions<GatewayOptions> options) : IModelServiceClient
{
    /// <summary>The gateway's own bus connection is down (HTTP 503); not a model service reply.</summary>
    public const string BusUnavailable = "bus_unavailable";

    public Task<EmbeddingsReply> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken) => RequestAsync(
        ModelServiceTopics.EmbeddingsRequest, ModelServiceTopics.EmbeddingsRequestType,
        JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.EmbeddingsRequest),
        ModelServiceTopics.EmbeddingsReplyType, ModelServiceJsonContext.Default.EmbeddingsReply,
        options.Value.EmbeddingsTimeout, cancellationToken);

    public Task<ChatReply> ChatAsync(ChatRequest request, CancellationToken cancellationToken) => RequestAsync(
        ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType,
        JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.ChatRequest),
        ModelServiceTopics.ChatReplyType, ModelServiceJsonContext.Default.ChatReply,
        options.Value.ChatTimeout, cancellationToken);

    public async IAsyncEnumerable<ChatStreamPart> StreamChatAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureConnected();
        var stream = new BusStreamOptions { Window = options.Value.ChatStreamWindow, IdleTimeout = options.Value.ChatTimeout };
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.ChatRequest);
        await using var items = bus.RequestStreamAsync(ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType, payload, stream, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        while (await NextAsync(items))
        {
            var item = items.Current;
            if (!item.IsStreamEnd && item.MessageType == ModelServiceTopics.ChatTokensType)
            {
                // Checked here, relayed whole: each of its tokens becomes its own SSE event without being decoded.
                yield return ChatStreamPart.Of(ChatTokensFrame.Read(item.Payload));
                continue;
            }

            var end = ModelServiceReplyReader.Read(item.MessageType, item.Payload, ModelServiceTopics.ChatReplyType, ChatStreamEndJsonContext.Default.ChatStreamEnd);
            yield return ChatStreamPart.Of(new ChatStreamEvent(null, end.Model, end.Content));
        }
    }

    private static async ValueTask<bool> NextAsync(IAsyncEnumerator<BusMessage> items)
    {
        try
        {
            return await items.MoveNextAsync();
        }
        catch (IOException lost)
        {
            throw new ModelServiceException(BusUnavailable, lost.Message);
        }
    }

    private void EnsureConnected()
    {
        if (bus.State != BusConnectionState.Authenticated)
        {
            throw new ModelServiceException(BusUnavailable, $"the gateway is not connected to the bus ({bus.State}: {bus.StatusReason})");
        }
    }

    private async Task<T> RequestAsync<T>(
        string topic, string type, byte[] payload, string replyType, JsonTypeInfo<T> replyInfo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnsureConnected();
        var reply = await bus.RequestAsync(topic, type, payload, timeout, cancellationToken);
        return ModelServiceReplyReader.Read(reply.MessageType, reply.Payload, replyType, replyInfo);
    }
}
