using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AICO.Gateway.Endpoints;

/// <summary>
/// Writes a chat's events as text/event-stream (`event: token|done|error`, `data: {json}`, blank line), with response
/// buffering off. The first event is flushed at once (it is what the user waits for); after it, an event is flushed
/// the moment no further event is ready: a token that arrives alone leaves at once, while tokens that arrive together
/// (one bus frame) or faster than the client takes them share one write (at most <see cref="MaxUnflushedBytes"/>).
/// </summary>
internal sealed class ChatEventStreamResult(IAsyncEnumerable<ChatStreamEvent> events) : IResult
{
    internal const int MaxUnflushedBytes = 16 * 1024;

    public async Task ExecuteAsync(HttpContext context)
    {
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var response = context.Response;
        var aborted = context.RequestAborted;
        response.ContentType = ModelEndpoints.EventStream;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);
        var body = response.BodyWriter;
        var unflushed = 0;
        var first = true;
        await using var e = events.GetAsyncEnumerator(aborted);
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

            unflushed += (int)Encoding.UTF8.GetBytes($"event: {e.Current.EventType}\ndata: {JsonSerializer.Serialize(e.Current, json)}\n\n", body);
        }

        if (unflushed > 0)
        {
            await body.FlushAsync(aborted);
        }
    }
}
