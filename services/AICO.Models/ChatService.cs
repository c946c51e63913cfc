using System.Runtime.CompilerServices;
using AICO.Models.Contracts;
using Microsoft.Extensions.AI;

namespace AICO.Models;

/// <summary>
/// Chat through Microsoft.Extensions.AI's <see cref="IChatClient"/>. With no client configured every call fails with
/// <see cref="ModelServiceErrorCodes.NoChatModel"/>; backend failures become <see cref="ModelServiceErrorCodes.BackendUnavailable"/>.
/// </summary>
public sealed class ChatService(IChatClient? client, string defaultModel)
{
    public const string NoChatModelReason =
        "no chat model configured: set " + ModelServiceOptions.OllamaEndpointSetting + " (AppHost parameter ollama-endpoint) to an Ollama server";

    public bool IsConfigured => client is not null;

    public string DefaultModel { get; } = defaultModel;

    public async Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var tokens = new List<string>();
        await foreach (var token in StreamAsync(request, cancellationToken))
        {
            tokens.Add(token);
        }

        return new ChatReply(request.Model ?? DefaultModel, string.Concat(tokens), tokens);
    }

    /// <summary>The answer's text pieces as the backend produces them.</summary>
    public async IAsyncEnumerable<string> StreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequestValidation.Ensure(RequestValidation.Check(request));
        var chat = client ?? throw new ModelServiceException(ModelServiceErrorCodes.NoChatModel, NoChatModelReason);
        var messages = request.Messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Content)).ToList();
        var options = new ChatOptions { ModelId = request.Model ?? DefaultModel };

        await using var updates = chat.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            string text;
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    yield break;
                }

                text = updates.Current.Text;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                // A cancel closes the connection under the pending read (CancellableOllamaClient): the read's failure is the cancel.
                throw new OperationCanceledException("the chat was cancelled", ex, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OllamaSharp.Models.Exceptions.OllamaException)
            {
                throw new ModelServiceException(ModelServiceErrorCodes.BackendUnavailable, $"the chat backend failed: {ex.Message}");
            }

            if (text.Length > 0)
            {
                yield return text;
            }
        }
    }
}
