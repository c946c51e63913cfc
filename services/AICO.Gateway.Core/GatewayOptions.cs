using System.ComponentModel.DataAnnotations;
using AICO.Settings;

namespace AICO.Gateway;

/// <summary>
/// Settings of the gateway, configuration section <c>Gateway</c>, bound and validated when the host starts (an unknown
/// key or a value out of range stops it with a message naming the setting).
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    [Range(1L, 1L << 30, ErrorMessage = SettingMessages.Between)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the gateway waits for a chat reply over the bus before answering 504.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan ChatTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Tokens of a streamed chat in flight between the model service and a slow HTTP reader (bus credit window).</summary>
    [Range(1, 10_000, ErrorMessage = SettingMessages.Between)]
    public int ChatStreamWindow { get; set; } = 32;

    /// <summary>How long the gateway waits for an embeddings reply over the bus before answering 504.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan EmbeddingsTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the runtime directory is checked for gateway.shutdown (the default meets the design's twice a second;
    /// a slower poll is allowed because `aico gateway stop` falls back to SIGTERM after its timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan ShutdownPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Host names accepted besides localhost, 127.0.0.1 and [::1] (anything else is refused: DNS rebinding).</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Browser origins allowed to call the API (CORS); empty means no cross-origin access at all.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Requests one token may make per <see cref="RateLimitWindow"/>; past that 429 with Retry-After.</summary>
    [Range(1, 1_000_000, ErrorMessage = SettingMessages.Between)]
    public int RateLimitPermits { get; set; } = 600;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);
}
