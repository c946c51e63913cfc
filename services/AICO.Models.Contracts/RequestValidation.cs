namespace AICO.Models.Contracts;

/// <summary>
/// The bounds of a valid request, checked by the gateway (to answer 400 with the field) and again by the model
/// service (a bus message can come from any authorized component).
/// </summary>
public static class RequestValidation
{
    public const int MaxEmbeddingInputs = 256;
    public const int MaxEmbeddingInputLength = 8_192;
    public const int MaxChatMessages = 256;
    public const int MaxChatContentLength = 32_768;
    public const int MaxModelNameLength = 200;

    public static readonly IReadOnlyList<string> ChatRoles = ["system", "user", "assistant"];

    /// <summary>Field path to reason; empty when the request is valid.</summary>
    public static IReadOnlyDictionary<string, string> Check(EmbeddingsRequest? request)
    {
        var errors = new Dictionary<string, string>();
        if (request?.Input is not { } input)
        {
            errors["input"] = "is required: an array of strings";
            return errors;
        }

        if (input.Count is 0 or > MaxEmbeddingInputs)
        {
            errors["input"] = $"must hold 1 to {MaxEmbeddingInputs} strings, got {input.Count}";
        }

        for (var i = 0; i < input.Count && errors.Count < 10; i++)
        {
            if (string.IsNullOrWhiteSpace(input[i]))
            {
                errors[$"input[{i}]"] = "must be a non-empty string";
            }
            else if (input[i].Length > MaxEmbeddingInputLength)
            {
                errors[$"input[{i}]"] = $"is longer than {MaxEmbeddingInputLength} characters";
            }
        }

        return errors;
    }

    public static IReadOnlyDictionary<string, string> Check(ChatRequest? request)
    {
        var errors = new Dictionary<string, string>();
        if (request?.Messages is not { } messages)
        {
            errors["messages"] = "is required: an array of {role, content}";
            return errors;
        }

        if (messages.Count is 0 or > MaxChatMessages)
        {
            errors["messages"] = $"must hold 1 to {MaxChatMessages} messages, got {messages.Count}";
        }

        for (var i = 0; i < messages.Count && errors.Count < 10; i++)
        {
            var message = messages[i];
            if (message is null)
            {
                errors[$"messages[{i}]"] = "must be an object {role, content}";
                continue;
            }

            if (message.Role is null || !ChatRoles.Contains(message.Role))
            {
                errors[$"messages[{i}].role"] = $"must be one of {string.Join(", ", ChatRoles)}";
            }

            if (message.Content is null)
            {
                errors[$"messages[{i}].content"] = "is required";
            }
            else if (message.Content.Length > MaxChatContentLength)
            {
                errors[$"messages[{i}].content"] = $"is longer than {MaxChatContentLength} characters";
            }
        }

        if (request.Model is { } model && (model.Length == 0 || model.Length > MaxModelNameLength || model.Any(char.IsControl)))
        {
            errors["model"] = $"must be 1 to {MaxModelNameLength} printable characters when given";
        }

        return errors;
    }

    /// <summary>Throws an invalid_request <see cref="ModelServiceException"/> naming the first bad field.</summary>
    public static void Ensure(IReadOnlyDictionary<string, string> errors)
    {
        if (errors.Count > 0)
        {
            var (field, reason) = errors.First();
            throw new ModelServiceException(ModelServiceErrorCodes.InvalidRequest, $"{field} {reason}");
        }
    }
}
