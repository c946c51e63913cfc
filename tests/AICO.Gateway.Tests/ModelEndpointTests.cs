using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AICO.Gateway.Tests;

public class ModelEndpointTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private HttpClient Http => fixture.Gateway.Http;

    [Fact]
    public async Task Chat_answers_with_the_model_reply()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "hello" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Echo: hello", JsonDocument.Parse(body).RootElement.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Chat_with_stream_true_answers_server_sent_events_of_the_tokens_then_done()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "stream" } }, stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync())
            .EnumerateAsync().ToListAsync();
        var tokens = events.Where(e => e.EventType == "token").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta").GetString()!).ToList();
        Assert.Equal(FakeOllamaServer.ReplyTokens("stream"), tokens);
        Assert.Equal("done", events[^1].EventType);
        Assert.Equal("Echo: stream", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Embeddings_answer_one_384_dimension_vector_per_input()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { "first", "second" } });

        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, json.GetProperty("vectors").GetArrayLength());
        Assert.Equal(384, json.GetProperty("vectors")[0].GetArrayLength());
    }

    [Fact]
    public async Task A_backend_error_is_a_502_problem_with_its_code()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "x" } }, model = FakeOllamaServer.MissingModel });

        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("backend_unavailable", json.GetProperty("code").GetString());
    }
}

public class NoChatModelTests
{
    [Fact]
    public async Task Chat_without_a_configured_model_is_503_with_the_reason()
    {
        await using var gateway = await TestGateway.StartAsync(ollama: null);

        using var response = await gateway.Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "hi" } } });

        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("no chat model configured", json.GetProperty("detail").GetString());
        Assert.Equal("no_chat_model", json.GetProperty("code").GetString());
    }
}
