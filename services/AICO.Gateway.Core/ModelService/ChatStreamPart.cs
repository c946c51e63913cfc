using AICO.Gateway.Endpoints;

namespace AICO.Gateway.ModelService;

/// <summary>
/// A piece of a streamed chat on its way to the client: the tokens of one model service frame (each becomes a
/// "token" event) or the final event (<see cref="Final"/>: done or error).
/// </summary>
public readonly record struct ChatStreamPart(ChatTokensFrame Tokens, ChatStreamEvent? Final)
{
    public static ChatStreamPart Of(ChatTokensFrame tokens) => new(tokens, null);

    public static ChatStreamPart Of(ChatStreamEvent final) => new(default, final);
}
