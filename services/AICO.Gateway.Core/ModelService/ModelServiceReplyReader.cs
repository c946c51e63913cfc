using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AICO.Models.Contracts;

namespace AICO.Gateway.ModelService;

/// <summary>Decodes a model service reply: the expected type, or its typed error, or a clear "unexpected reply".</summary>
internal static class ModelServiceReplyReader
{
    public static T Read<T>(string messageType, ReadOnlyMemory<byte> payload, string expectedType, JsonTypeInfo<T> info)
    {
        try
        {
            if (messageType == ModelServiceTopics.ErrorReplyType)
            {
                var error = JsonSerializer.Deserialize(payload.Span, ModelServiceJsonContext.Default.ErrorReply);
                throw new ModelServiceException(error?.Code ?? ModelServiceErrorCodes.Internal, error?.Reason ?? "the model service failed without a reason");
            }

            if (messageType == expectedType && JsonSerializer.Deserialize(payload.Span, info) is { } value)
            {
                return value;
            }
        }
        catch (JsonException)
        {
        }

        throw new ModelServiceException(ModelServiceErrorCodes.Internal, $"the model service sent an unreadable reply of type '{messageType}'");
    }
}
