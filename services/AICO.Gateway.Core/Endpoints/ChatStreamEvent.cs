namespace AICO.Gateway.Endpoints;

/// <summary>One server-sent event of a streamed chat: a token ("token" events), then the whole answer ("done").</summary>
public sealed record ChatStreamEvent(string? Delta, string? Model = null, string? Content = null);
