using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AICO.Models.Contracts;

namespace AICO.Models;

/// <summary>A reply ready for the bus: its message type and JSON payload.</summary>
public readonly record struct ModelServiceReply(string MessageType, byte[] Payload)
{
    public static ModelServiceReply Error(string code, string reason) => new(
        ModelServiceTopics.ErrorReplyType,
        JsonSerializer.SerializeToUtf8Bytes(new ErrorReply(code, reason), ModelServiceJsonContext.Default.ErrorReply));
}

/// <summary>
/// Turns a request payload into a reply payload. Never throws for bad input or backend failures: every failure
/// becomes a typed <see cref="ErrorReply"/>, so the requester always gets an answer it can map.
/// </summary>
public sealed class ModelServiceRequestHandler(EmbeddingEngine embeddings, ChatService chat)
{
    public Task<ModelServiceReply> HandleEmbeddingsAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        GuardAsync(payload, ModelServiceJsonContext.Default.EmbeddingsRequest, async request =>
        {
            RequestValidation.Ensure(RequestValidation.Check(request));
            var vectors = await embeddings.EmbedAsync(request.Input, cancellationToken);
            var reply = new EmbeddingsReply(EmbeddingEngine.ModelName, EmbeddingEngine.Dimensions, vectors);
            return new ModelServiceReply(ModelServiceTopics.EmbeddingsReplyType, JsonSerializer.SerializeToUtf8Bytes(reply, ModelServiceJsonContext.Default.EmbeddingsReply));
        }, cancellationToken);

    public Task<ModelServiceReply> HandleChatAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        GuardAsync(payload, ModelServiceJsonContext.Default.ChatRequest, async request =>
        {
            RequestValidation.Ensure(RequestValidation.Check(request));
            var reply = await chat.CompleteAsync(request, cancellationToken);
            return new ModelServiceReply(ModelServiceTopics.ChatReplyType, JsonSerializer.SerializeToUtf8Bytes(reply, ModelServiceJsonContext.Default.ChatReply));
        }, cancellationToken);

    /// <summary>
    /// Streams the answer: the pieces go to <paramref name="onTokens"/> as the backend produces them, each call with
    /// the pieces gathered since the last call (<see cref="TokenBatches"/>); the reply is the whole answer.
    /// </summary>
    public Task<ModelServiceReply> StreamChatAsync(
        ReadOnlyMemory<byte> payload, Func<IReadOnlyList<string>, CancellationToken, ValueTask> onTokens, CancellationToken cancellationToken) =>
        GuardAsync(payload, ModelServiceJsonContext.Default.ChatRequest, async request =>
        {
            var tokens = await TokenBatches.SendAsync(chat.StreamAsync(request, cancellationToken), onTokens, TimeProvider.System, cancellationToken);
            var reply = new ChatReply(request.Model ?? chat.DefaultModel, string.Concat(tokens), tokens);
            return new ModelServiceReply(ModelServiceTopics.ChatReplyType, JsonSerializer.SerializeToUtf8Bytes(reply, ModelServiceJsonContext.Default.ChatReply));
        }, cancellationToken);

    private static async Task<ModelServiceReply> GuardAsync<T>(
        ReadOnlyMemory<byte> payload, JsonTypeInfo<T> type, Func<T, Task<ModelServiceReply>> handle, CancellationToken cancellationToken)
        where T : class
    {
        T? request;
        try
        {
            request = JsonSerializer.Deserialize(payload.Span, type);
        }
        catch (JsonException ex)
        {
            return ModelServiceReply.Error(ModelServiceErrorCodes.InvalidRequest, $"the payload is not a valid {typeof(T).Name}: {ex.Message}");
        }

        if (request is null)
        {
            return ModelServiceReply.Error(ModelServiceErrorCodes.InvalidRequest, $"the payload is not a valid {typeof(T).Name}: null");
        }

        try
        {
            return await handle(request);
        }
        catch (ModelServiceException ex)
        {
            return ModelServiceReply.Error(ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return ModelServiceReply.Error(ModelServiceErrorCodes.Timeout, "the chat backend did not answer in time");
        }
    }
}
