namespace AICO.Models.Contracts;

/// <summary>Bus topics and message types the model service answers; the gateway sends to the same names.</summary>
public static class ModelServiceTopics
{
    public const string EmbeddingsRequest = "modelservice/embeddings/request/v1";
    public const string ChatRequest = "modelservice/chat/request/v1";

    public const string EmbeddingsRequestType = "modelservice.embeddings.request.v1";
    public const string EmbeddingsReplyType = "modelservice.embeddings.response.v1";
    public const string ChatRequestType = "modelservice.chat.request.v1";
    public const string ChatReplyType = "modelservice.chat.response.v1";

    /// <summary>An item of a streamed chat, a <see cref="ChatTokens"/> (the stream request is a bus stream on <see cref="ChatRequest"/>); its end is a ChatReply or an ErrorReply.</summary>
    public const string ChatTokensType = "modelservice.chat.tokens.v1";
    public const string ErrorReplyType = "modelservice.error.v1";
}
