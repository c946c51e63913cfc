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
}
