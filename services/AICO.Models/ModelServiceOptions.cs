using System.ComponentModel.DataAnnotations;
using AICO.Settings;

namespace AICO.Models;

/// <summary>
/// Settings of the model service, configuration section <c>ModelService</c>, bound and validated when the host starts
/// (an unknown key or a value out of range stops it with a message naming the setting).
/// </summary>
public sealed class ModelServiceOptions
{
    public const string Section = "ModelService";

    /// <summary>Full configuration key of the Ollama endpoint (the AppHost sets it from its ollama-endpoint parameter).</summary>
    public const string OllamaEndpointSetting = Section + ":OllamaEndpoint";

    /// <summary>Base URL of an Ollama server, e.g. http://127.0.0.1:11434. Empty: chat answers "no chat model configured".</summary>
    [Url(ErrorMessage = "must be an absolute http or https URL.")]
    public string? OllamaEndpoint { get; set; }

    /// <summary>The model asked for when a request names none.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "must name a model.")]
    public string ChatModel { get; set; } = "llama3.2";

    /// <summary>Requests handled at once; further requests wait in the bus handler, bounded by <see cref="MaxQueuedRequests"/>.</summary>
    [Range(1, 1_024, ErrorMessage = SettingMessages.Between)]
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Requests waiting for a slot before new ones are answered "busy".</summary>
    [Range(0, 100_000, ErrorMessage = SettingMessages.Between)]
    public int MaxQueuedRequests { get; set; } = 256;

    /// <summary>Encoder calls running at once (each takes a CPU core; the encoder is synchronous).</summary>
    [Range(1, 256, ErrorMessage = SettingMessages.Between)]
    public int EmbeddingConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How long one request may take inside the model service before it is cancelled and answered "timeout".</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
