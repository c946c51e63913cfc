using System.Text.Json.Serialization;

namespace AICO.Gateway.ModelService;

/// <summary>
/// What the gateway reads of a chat stream's end frame (a ChatReply): the model and the whole content. The reply's
/// token list, which repeats every token already relayed, is skipped without being decoded (a 20,000-token answer
/// would otherwise cost 20,000 strings after its last token).
/// </summary>
internal sealed record ChatStreamEnd(string Model, string Content);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChatStreamEnd))]
internal sealed partial class ChatStreamEndJsonContext : JsonSerializerContext;
