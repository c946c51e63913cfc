namespace AICO.Models.Contracts;

/// <summary>One message of a conversation: role (system, user, assistant) and its text.</summary>
public sealed record ChatTurn(string Role, string Content);
