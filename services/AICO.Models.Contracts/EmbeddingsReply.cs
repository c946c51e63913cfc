namespace AICO.Models.Contracts;

/// <summary>One unit-length vector per input, in input order.</summary>
public sealed record EmbeddingsReply(string Model, int Dimensions, IReadOnlyList<float[]> Vectors);
