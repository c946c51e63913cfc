using AICO.Gateway.ModelService;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AICO.Gateway.Endpoints;

/// <summary>
/// Writes a chat's events as text/event-stream (see <see cref="ChatEventWriter"/>), with response buffering off. The
/// first part is flushed at once (it is what the user waits for); after it, the response is flushed the moment no
/// further part is ready: a token that arrives alone leaves at once, while frames that arrive faster than the client
/// takes them share one write (at most <see cref="MaxUnflushedBytes"/> plus one frame). All tokens of one bus frame
/// always share a write.
/// </summary>
internal sealed class ChatEventStreamResult(IAsyncEnumerable<ChatStreamPart> parts) : IResult
{
    internal const int MaxUnflushedBytes = 16 * 1024;

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        response.ContentType = ModelEndpoints.EventStream;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // No StartAsync: the first flush sends the headers and the first event in one write (one segment to wake the client).
        var body = response.BodyWriter;
        var unflushed = 0;
        var first = true;
        await using var e = parts.GetAsyncEnumerator(aborted);
        while (true)
        {
            var next = e.MoveNextAsync();
            if (unflushed > 0 && (!next.IsCompleted || unflushed >= MaxUnflushedBytes || first))
            {
                await body.FlushAsync(aborted);
                unflushed = 0;
                first = false;
            }

            if (!await next)
            {
                break;
            }

            var part = e.Current;
            unflushed += part.Final is { } final ? ChatEventWriter.WriteFinal(body, final) : ChatEventWriter.WriteTokens(body, part.Tokens);
        }

        if (unflushed > 0)
        {
            await body.FlushAsync(aborted);
        }
    }
}
