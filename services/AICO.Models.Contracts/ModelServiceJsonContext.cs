using System.Text.Json.Serialization;

namespace AICO.Models.Contracts;

/// <summary>Source-generated JSON for every message on the model service topics (camelCase, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatReply))]
[JsonSerializable(typeof(ChatTokens))]
[JsonSerializable(typeof(EmbeddingsRequest))]
[JsonSerializable(typeof(EmbeddingsReply))]
[JsonSerializable(typeof(ErrorReply))]
public sealed partial class ModelServiceJsonContext : JsonSerializerContext;
