using System.Text;
using System.Text.Json;
using AICO.Models.Contracts;

namespace AICO.Models.Tests;

[Collection(EncoderCollection.Name)]
public class ModelServiceRequestHandlerTests(SharedEncoder shared)
{
    private ModelServiceRequestHandler Handler() => new(shared.Engine, new ChatService(null, "tiny"));

    [Fact]
    public async Task An_embeddings_request_gets_an_embeddings_reply()
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new EmbeddingsRequest(["one", "two"]), ModelServiceJsonContext.Default.EmbeddingsRequest);

        var reply = await Handler().HandleEmbeddingsAsync(payload, CancellationToken.None);

        Assert.Equal(ModelServiceTopics.EmbeddingsReplyType, reply.MessageType);
        var body = JsonSerializer.Deserialize(reply.Payload, ModelServiceJsonContext.Default.EmbeddingsReply)!;
        Assert.Equal(2, body.Vectors.Count);
        Assert.Equal(EmbeddingEngine.Dimensions, body.Dimensions);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("{\"input\": 5}")]
    [InlineData("{}")]
    public async Task A_malformed_payload_gets_a_typed_invalid_request_error_not_an_exception(string payload)
    {
        var reply = await Handler().HandleEmbeddingsAsync(Encoding.UTF8.GetBytes(payload), CancellationToken.None);

        Assert.Equal(ModelServiceTopics.ErrorReplyType, reply.MessageType);
        Assert.Equal(ModelServiceErrorCodes.InvalidRequest, JsonSerializer.Deserialize(reply.Payload, ModelServiceJsonContext.Default.ErrorReply)!.Code);
    }

    [Fact]
    public async Task Chat_without_a_configured_model_gets_the_no_chat_model_error_reply()
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([new("user", "hi")]), ModelServiceJsonContext.Default.ChatRequest);

        var reply = await Handler().HandleChatAsync(payload, CancellationToken.None);

        var error = JsonSerializer.Deserialize(reply.Payload, ModelServiceJsonContext.Default.ErrorReply)!;
        Assert.Equal(ModelServiceErrorCodes.NoChatModel, error.Code);
        Assert.Contains("no chat model configured", error.Reason);
    }
}
