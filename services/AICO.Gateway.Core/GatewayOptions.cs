namespace AICO.Gateway;

/// <summary>Settings of the gateway, bound from the "Gateway" configuration section.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the gateway waits for a chat reply over the bus before answering 504.</summary>
    public TimeSpan ChatTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Tokens of a streamed chat in flight between the model service and a slow HTTP reader (bus credit window).</summary>
    public int ChatStreamWindow { get; set; } = 32;

    /// <summary>How long the gateway waits for an embeddings reply over the bus before answering 504.</summary>
    public TimeSpan EmbeddingsTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the runtime directory is checked for gateway.shutdown (the design asks for at least twice a second).</summary>
    public TimeSpan ShutdownPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Host names accepted besides localhost, 127.0.0.1 and [::1] (anything else is refused: DNS rebinding).</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Browser origins allowed to call the API (CORS); empty means no cross-origin access at all.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Requests one token may make per <see cref="RateLimitWindow"/>; past that 429 with Retry-After.</summary>
    public int RateLimitPermits { get; set; } = 600;

    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);
}
