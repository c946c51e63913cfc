using OllamaSharp;
using OllamaSharp.Models;

namespace AICO.Models;

/// <summary>
/// OllamaSharp's client with a cancel that reaches a pending read. OllamaSharp reads the NDJSON lines without passing
/// the caller's token to the read, so a cancel would otherwise take effect only when the model writes its next line:
/// never, for a model that pauses. Here the caller's token disposes the response, which aborts that read at once.
/// (A DelegatingHandler cannot do this: HttpClient hands it a linked token that it disposes once the headers arrive.)
/// </summary>
internal sealed class CancellableOllamaClient(HttpClient http, string defaultModel) : OllamaApiClient(http, defaultModel)
{
    protected override async Task<HttpResponseMessage> SendToOllamaAsync(
        HttpRequestMessage requestMessage, OllamaRequest? ollamaRequest, HttpCompletionOption completionOption, CancellationToken cancellationToken)
    {
        var response = await base.SendToOllamaAsync(requestMessage, ollamaRequest, completionOption, cancellationToken).ConfigureAwait(false);
        if (cancellationToken.CanBeCanceled)
        {
            response.Content = new AbortableContent(response.Content, cancellationToken);
        }

        return response;
    }
}
