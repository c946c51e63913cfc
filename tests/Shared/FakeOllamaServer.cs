using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AICO.TestSupport;

/// <summary>
/// TEST DOUBLE AT THE EDGE: an in-process fake of Ollama's HTTP API (POST /api/chat, streaming NDJSON or one JSON
/// object), served by a real Kestrel on 127.0.0.1 with an ephemeral port, so OllamaSharp and everything above it run
/// for real. It answers "Echo: " followed by the last user message, in several pieces. The model "missing" gets
/// Ollama's 404 "model not found" answer; the model "silent" never answers,
/// the model "slow" answers after a delay.
/// </summary>
public sealed class FakeOllamaServer : IAsyncDisposable
{
    public const string MissingModel = "missing";

    /// <summary>A model that never answers (until the client gives up), for timeout and cancellation tests.</summary>
    public const string SilentModel = "silent";

    /// <summary>A model that answers after <see cref="SlowDelay"/>, for "requests in flight finish" tests.</summary>
    public const string SlowModel = "slow";

    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private FakeOllamaServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request body received on /api/chat, in order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    public static IReadOnlyList<string> ReplyTokens(string lastUserMessage) => ["Echo", ": ", lastUserMessage];

    public static async Task<FakeOllamaServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeOllamaServer(app);
        app.MapPost("/api/chat", server.ChatAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Endpoint = new Uri(address);
        return server;
    }

    private async Task ChatAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        Requests.Enqueue(body);
        var model = body["model"]?.GetValue<string>() ?? "";
        var stream = body["stream"]?.GetValue<bool>() ?? true;
        if (model == MissingModel)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { error = $"model '{model}' not found" });
            return;
        }

        if (model == SilentModel)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (model == SlowModel)
        {
            await Task.Delay(SlowDelay, context.RequestAborted);
        }

        var lastUser = body["messages"]!.AsArray().LastOrDefault(m => m!["role"]!.GetValue<string>() == "user")?["content"]?.GetValue<string>() ?? "";
        var tokens = ReplyTokens(lastUser);
        context.Response.ContentType = stream ? "application/x-ndjson" : "application/json";
        if (!stream)
        {
            await WriteLineAsync(context, Chunk(model, string.Concat(tokens), done: true));
            return;
        }

        foreach (var token in tokens)
        {
            await WriteLineAsync(context, Chunk(model, token, done: false));
            await context.Response.Body.FlushAsync();
        }

        await WriteLineAsync(context, Chunk(model, "", done: true));
    }

    private static object Chunk(string model, string content, bool done) => done
        ? new { model, created_at = DateTimeOffset.UtcNow.ToString("O"), message = new { role = "assistant", content }, done, done_reason = (string?)"stop", total_duration = 1000, prompt_eval_count = 3, eval_count = 3 }
        : new { model, created_at = DateTimeOffset.UtcNow.ToString("O"), message = new { role = "assistant", content }, done, done_reason = (string?)null, total_duration = 0, prompt_eval_count = 0, eval_count = 0 };

    private static async Task WriteLineAsync(HttpContext context, object value)
    {
        await context.Response.WriteAsync(JsonSerializer.Serialize(value) + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
