namespace AICO.Models.Contracts;

/// <summary>The codes an <see cref="ErrorReply"/> carries; the gateway maps each to an HTTP status.</summary>
public static class ModelServiceErrorCodes
{
    /// <summary>The request is malformed or out of bounds (HTTP 400).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>Chat was asked for but no chat backend is configured (HTTP 503).</summary>
    public const string NoChatModel = "no_chat_model";

    /// <summary>The chat backend could not be reached or failed (HTTP 502).</summary>
    public const string BackendUnavailable = "backend_unavailable";

    /// <summary>The request took longer than the model service allows (HTTP 504).</summary>
    public const string Timeout = "timeout";

    /// <summary>Too many requests are already queued (HTTP 503).</summary>
    public const string Busy = "busy";

    /// <summary>An unexpected failure inside the model service (HTTP 502).</summary>
    public const string Internal = "internal";
}
