namespace AICO.Models.Contracts;

/// <summary>A failed request as it travels back over the bus: a stable code (see <see cref="ModelServiceErrorCodes"/>) and a reason for people.</summary>
public sealed record ErrorReply(string Code, string Reason);
