namespace AICO.Models;

/// <summary>Settings of the model service, bound from the "ModelService" configuration section.</summary>
public sealed class ModelServiceOptions
{
    public const string Section = "ModelService";

    /// <summary>Full configuration key of the Ollama endpoint (the AppHost sets it from its ollama-endpoint parameter).</summary>
    public const string OllamaEndpointSetting = Section + ":OllamaEndpoint";

    /// <summary>Base URL of an Ollama server, e.g. http://127.0.0.1:11434. Empty: chat answers "no chat model configured".</summary>
    public string? OllamaEndpoint { get; set; }

    /// <summary>The model asked for when a request names none.</summary>
    public string ChatModel { get; set; } = "llama3.2";

    /// <summary>Requests handled at once; further requests wait in the bus handler, bounded by <see cref="MaxQueuedRequests"/>.</summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Requests waiting for a slot before new ones are answered "busy".</summary>
    public int MaxQueuedRequests { get; set; } = 256;

    /// <summary>Encoder calls running at once (each takes a CPU core; the encoder is synchronous).</summary>
    public int EmbeddingConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How long one request may take inside the model service before it is cancelled and answered "timeout".</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
