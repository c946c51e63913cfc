using Microsoft.Extensions.AI;
using OllamaSharp;

namespace AICO.Models;

/// <summary>Builds the chat backend from the options: Ollama when an endpoint is configured, otherwise none.</summary>
public static class ChatClientFactory
{
    public static IChatClient? Create(ModelServiceOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OllamaEndpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(options.OllamaEndpoint.Trim(), UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"{ModelServiceOptions.OllamaEndpointSetting} '{options.OllamaEndpoint}' is not an http(s) URL.");
        }

        return new OllamaApiClient(endpoint, options.ChatModel);
    }
}
