using System.Text.Json;
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
}
