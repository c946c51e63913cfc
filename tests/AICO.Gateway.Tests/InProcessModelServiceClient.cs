using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using AICO.Gateway.Endpoints;
using AICO.Gateway.ModelService;
using AICO.Models;
using AICO.Models.Contracts;

namespace AICO.Gateway.Tests;

/// <summary>
/// The real model service request handler called directly instead of over the bus (same JSON payloads, same typed
/// errors), so gateway HTTP behaviour can be tested on its own; the bus path has its own tests.
/// </summary>
internal sealed class InProcessModelServiceClient(ModelServiceRequestHandler handler) : IModelServiceClient
{
    public async Task<EmbeddingsReply> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken)
    {
        var reply = await handler.HandleEmbeddingsAsync(JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.EmbeddingsRequest), cancellationToken);
        return ModelServiceReplyReader.Read(reply.MessageType, reply.Payload, ModelServiceTopics.EmbeddingsReplyType, ModelServiceJsonContext.Default.EmbeddingsReply);
    }

    public async Task<ChatReply> ChatAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var reply = await handler.HandleChatAsync(JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.ChatRequest), cancellationToken);
        return ModelServiceReplyReader.Read(reply.MessageType, reply.Payload, ModelServiceTopics.ChatReplyType, ModelServiceJsonContext.Default.ChatReply);
    }

    public async IAsyncEnumerable<ChatStreamPart> StreamChatAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokens = Channel.CreateUnbounded<ChatStreamPart>();
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, ModelServiceJsonContext.Default.ChatRequest);
        var work = Task.Run(async () =>
        {
            try
            {
                var reply = await handler.StreamChatAsync(payload, (batch, _) =>
                {
                    var frame = JsonSerializer.SerializeToUtf8Bytes(new ChatTokens(batch), ModelServiceJsonContext.Default.ChatTokens);
                    tokens.Writer.TryWrite(ChatStreamPart.Of(ChatTokensFrame.Read(frame)));
                    return ValueTask.CompletedTask;
                }, cancellationToken);
                var chat = ModelServiceReplyReader.Read(reply.MessageType, reply.Payload, ModelServiceTopics.ChatReplyType, ModelServiceJsonContext.Default.ChatReply);
                tokens.Writer.TryWrite(ChatStreamPart.Of(new ChatStreamEvent(null, chat.Model, chat.Content)));
                tokens.Writer.TryComplete();
            }
            finally
            {
                tokens.Writer.TryComplete(); // a failure is rethrown by awaiting the work below
            }
        }, CancellationToken.None);

        await foreach (var item in tokens.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }

        await work;
    }
}
