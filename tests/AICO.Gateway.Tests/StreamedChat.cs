using System.Net;
using System.Net.Http.Json;

namespace AICO.Gateway.Tests;

/// <summary>Starts a streamed chat on the gateway and checks that it answers as an SSE stream.</summary>
internal static class StreamedChat
{
    public static async Task<HttpResponseMessage> StartAsync(HttpClient client, string model, string prompt, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chat")
        {
            Content = JsonContent.Create(new { messages = new[] { new { role = "user", content = prompt } }, model, stream = true }),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }
}
