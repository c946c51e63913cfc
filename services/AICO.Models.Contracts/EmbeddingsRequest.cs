namespace AICO.Models.Contracts;

public sealed record EmbeddingsRequest(IReadOnlyList<string> Input);
