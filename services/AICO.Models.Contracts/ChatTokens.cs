namespace AICO.Models.Contracts;

/// <summary>
/// Pieces of a streamed answer in order, as the chat backend produced them: one when the model is slower than the
/// bus, several when pieces were produced faster than the last frame left (they share one frame).
/// </summary>
public sealed record ChatTokens(IReadOnlyList<string> Deltas);
