using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AICO.Gateway.Endpoints;

/// <summary>
/// Writes a chat's events as text/event-stream, each one written and flushed on its own the moment it exists
/// (`event: token|done|error`, `data: {json}`, blank line), with response buffering off.
/// </summary>
internal sealed class ChatEventStreamResult(IAsyncEnumerable<ChatStreamEvent> events) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var response = context.Response;
        response.ContentType = ModelEndpoints.EventStream;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted);
        await foreach (var e in events.WithCancellation(context.RequestAborted))
        {
            var frame = Encoding.UTF8.GetBytes($"event: {e.EventType}\ndata: {JsonSerializer.Serialize(e, json)}\n\n");
            await response.Body.WriteAsync(frame, context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
