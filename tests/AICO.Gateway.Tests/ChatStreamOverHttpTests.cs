using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using AICO.TestSupport;

namespace AICO.Gateway.Tests;

/// <summary>
/// Streamed chat on the production path, HTTP -> gateway -> real broker -> model service worker -> the Ollama stand-in
/// (the HTTP fake at the true edge, writing NDJSON lines as Ollama does): each token is an SSE event the moment it
/// exists, a caller that goes away stops the backend, and a caller that stops reading stops it too, holding memory.
/// </summary>
public class ChatStreamOverHttpTests(GatewayOverBusFixture fixture) : IClassFixture<GatewayOverBusFixture>
{
    private FakeOllamaServer Ollama => fixture.Ollama;

    private Task<HttpResponseMessage> StartChatAsync(string model, CancellationToken cancellationToken, HttpClient? client = null, string prompt = "stream please") =>
        StreamedChat.StartAsync(client ?? fixture.Gateway.Http, model, prompt, cancellationToken);

    [Fact]
    public async Task The_first_SSE_event_arrives_before_the_stand_in_has_sent_its_second_token_and_the_order_holds()
    {
        Ollama.DripTokens = 20;
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        var before = Ollama.TokensWritten;
        using var response = await StartChatAsync(FakeOllamaServer.GatedModel, timeout.Token);

        var tokens = new List<string>();
        string? done = null;
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token))
        {
            if (item.EventType != "token")
            {
                done = item.Data;
                continue;
            }

            tokens.Add(System.Text.Json.JsonDocument.Parse(item.Data).RootElement.GetProperty("delta").GetString()!);
            // The gated stand-in writes token n+1 only after this release: had anything on the way buffered the
            // answer, this event could not have arrived and the test would time out.
            Assert.Equal(tokens.Count, Ollama.TokensWritten - before);
            if (tokens.Count < 20)
            {
                Ollama.Gate.Release();
            }
        }

        var expected = Enumerable.Range(0, 20).Select(FakeOllamaServer.StreamToken).ToList();
        Assert.Equal(expected, tokens);
        Assert.Contains(string.Concat(expected), done);
    }

    [Fact]
    public async Task A_backend_that_breaks_mid_answer_ends_the_stream_with_an_error_event_after_the_tokens_it_sent()
    {
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        using var response = await StartChatAsync(FakeOllamaServer.BrokenModel, timeout.Token);

        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token))
        {
            events.Add(item);
            if (events.Count == 1)
            {
                Ollama.Gate.Release(); // the first token is here: now the stand-in drops its connection
            }
        }

        Assert.Equal(["token", "error"], events.Select(e => e.EventType));
        Assert.Equal(FakeOllamaServer.StreamToken(0), System.Text.Json.JsonDocument.Parse(events[0].Data).RootElement.GetProperty("delta").GetString());
        var error = System.Text.Json.JsonDocument.Parse(events[1].Data).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_client_that_disconnects_is_seen_by_the_stand_in_within_one_second()
    {
        Ollama.DripTokens = 10_000;
        Ollama.DripInterval = TimeSpan.FromMilliseconds(20);
        await DisconnectAfterFirstTokenAsync(FakeOllamaServer.DripModel);
        Assert.True(Ollama.TokensWritten < 10_000);
    }

    [Fact]
    public async Task A_client_that_disconnects_while_the_model_is_silent_is_seen_by_the_stand_in_within_one_second()
    {
        // The gated stand-in writes its first token, then nothing (its gate is never released here): a model that
        // pauses between tokens. A cancel that waited for the model's next line would never reach it.
        var before = Ollama.TokensWritten;
        await DisconnectAfterFirstTokenAsync(FakeOllamaServer.GatedModel);
        Assert.Equal(1, Ollama.TokensWritten - before);
    }

    /// <summary>Reads the first token, closes the connection as a browser tab does, and checks the stand-in's request is aborted within 1 s.</summary>
    private async Task DisconnectAfterFirstTokenAsync(string model)
    {
        using var timeout = new CancellationTokenSource(TestBus.Deadline);
        var prompt = "disconnect " + Guid.NewGuid().ToString("N");
        var aborted = Ollama.AbortOf(prompt);
        // Closes its connection when it stops reading, as a browser tab does (.NET's handler would first drain for 2 s).
        using var browser = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.Gateway.BaseAddress };
        browser.DefaultRequestHeaders.Authorization = fixture.Gateway.Http.DefaultRequestHeaders.Authorization;

        var response = await StartChatAsync(model, timeout.Token, browser, prompt);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());

        var disconnected = Stopwatch.GetTimestamp();
        response.Dispose(); // closes the connection: the browser tab went away
        var seenAfter = Stopwatch.GetElapsedTime(disconnected, await aborted.WaitAsync(timeout.Token));

        Assert.True(seenAfter < TimeSpan.FromSeconds(1), $"the stand-in saw the disconnect after {seenAfter.TotalMilliseconds:0} ms");
    }
}
