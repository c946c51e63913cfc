using AICO.Models.Contracts;

namespace AICO.Gateway.ModelService;

/// <summary>
/// The gateway's view of the model service. Failures arrive as <see cref="ModelServiceException"/> (typed code)
/// or <see cref="TimeoutException"/> (no answer in time).
/// </summary>
public interface IModelServiceClient
{
    Task<EmbeddingsReply> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken);

    Task<ChatReply> ChatAsync(ChatRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The answer as the model produces it: frames of tokens, then one done event. Cancelling stops the model's work.
    /// Failures before the first part throw as above; the caller turns later ones into an error event.
    /// </summary>
    IAsyncEnumerable<ChatStreamPart> StreamChatAsync(ChatRequest request, CancellationToken cancellationToken);
}
