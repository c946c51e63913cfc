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

        // A cancelled stream must close its connection at once, so the backend stops generating: by default the handler
        // first drains the unfinished response for up to 2 s (ResponseDrainTimeout) to reuse the connection.
        // The model service's own RequestTimeout bounds every call, so the HttpClient adds none.
        // CancellableOllamaClient closes it even while a read waits for a model that is silent between tokens.
        var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        return new CancellableOllamaClient(http, options.ChatModel);
    }
}
