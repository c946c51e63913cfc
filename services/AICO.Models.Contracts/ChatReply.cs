namespace AICO.Models.Contracts;

/// <summary>
/// The assistant's answer. <see cref="Tokens"/> holds the text as the backend streamed it, piece by piece,
/// so a caller that asked for a stream can replay the token boundaries; <see cref="Content"/> is their concatenation.
/// </summary>
public sealed record ChatReply(string Model, string Content, IReadOnlyList<string> Tokens);
