namespace AICO.Models.Contracts;

/// <summary>One piece of a streamed answer, as the chat backend produced it.</summary>
public sealed record ChatToken(string Delta);
