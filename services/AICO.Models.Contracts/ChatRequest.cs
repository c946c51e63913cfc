namespace AICO.Models.Contracts;

/// <summary>A chat completion request; <see cref="Model"/> overrides the configured default model.</summary>
public sealed record ChatRequest(IReadOnlyList<ChatTurn> Messages, string? Model = null, bool Stream = false);
