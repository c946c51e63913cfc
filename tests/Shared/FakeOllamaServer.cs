using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
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
/// the model "slow" answers after a delay. For streaming: "drip" writes <see cref="DripTokens"/> tokens
/// <see cref="DripInterval"/> apart on average (zero: as fast as its reader takes them), "gated" writes its first token at once and each further one when the test
/// releases <see cref="Gate"/>, "flood" writes 1 KiB tokens as fast as its reader takes them (until it stops).
/// Every token written and every request its client abandoned is recorded, with the time.
/// </summary>
public sealed class FakeOllamaServer : IAsyncDisposable
{
    public const string MissingModel = "missing";

    /// <summary>A model that never answers (until the client gives up), for timeout and cancellation tests.</summary>
    public const string SilentModel = "silent";

    /// <summary>A model that answers after <see cref="SlowDelay"/>, for "requests in flight finish" tests.</summary>
    public const string SlowModel = "slow";

    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(2);

    public const string DripModel = "drip";
    public const string GatedModel = "gated";
    public const string FloodModel = "flood";

    /// <summary>
    /// A model whose server breaks mid-answer: it writes its first token and, when the test releases <see cref="Gate"/>
    /// (once the token has arrived: a reset could discard it unread), drops the connection.
    /// </summary>
    public const string BrokenModel = "broken";
    public const int FloodTokenBytes = 1024;

    private readonly Channel<long> _aborts = Channel.CreateUnbounded<long>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _abortsByPrompt = new(StringComparer.Ordinal);
    private long _tokensWritten;
    private long _bytesWritten;

    public int DripTokens { get; set; } = 20;

    public TimeSpan DripInterval { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>One release lets the "gated" model write one more token.</summary>
    public SemaphoreSlim Gate { get; } = new(0);

    /// <summary>Tokens written by the streaming models since the start.</summary>
    public long TokensWritten => Interlocked.Read(ref _tokensWritten);

    /// <summary>Bytes the "flood" model has written into its response.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>When (Stopwatch.GetTimestamp) each streaming request was abandoned by its client (the connection closed before the last token).</summary>
    public ChannelReader<long> Aborts => _aborts.Reader;

    /// <summary>
    /// Completes (with Stopwatch.GetTimestamp) when the streaming request whose last user message is
    /// <paramref name="prompt"/> is abandoned by its client: a test with its own prompt never sees another test's abort.
    /// </summary>
    public Task<long> AbortOf(string prompt) => AbortSource(prompt).Task;

    private TaskCompletionSource<long> AbortSource(string prompt) =>
        _abortsByPrompt.GetOrAdd(prompt, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The token text of the streaming models: "t0", "t1", ...</summary>
    public static string StreamToken(int index) => $"t{index} ";

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

        var lastUser = body["messages"]!.AsArray().LastOrDefault(m => m!["role"]!.GetValue<string>() == "user")?["content"]?.GetValue<string>() ?? "";
        if (model == BrokenModel)
        {
            context.Response.ContentType = "application/x-ndjson";
            await WriteLineAsync(context, Chunk(model, StreamToken(0), done: false));
            await context.Response.Body.FlushAsync();
            await Gate.WaitAsync(context.RequestAborted);
            context.Abort();
            return;
        }

        if (model is DripModel or GatedModel or FloodModel)
        {
            await StreamScriptedAsync(context, model, lastUser);
            return;
        }

        if (model == SlowModel)
        {
            await Task.Delay(SlowDelay, context.RequestAborted);
        }

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

    private async Task StreamScriptedAsync(HttpContext context, string model, string prompt)
    {
        context.Response.ContentType = "application/x-ndjson";
        var aborted = context.RequestAborted;
        try
        {
            var count = model == FloodModel ? int.MaxValue : DripTokens;
            var flood = new string('x', FloodTokenBytes);
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                if (i > 0 && model == DripModel && DripInterval > TimeSpan.Zero)
                {
                    // Token i is due at start + i * interval: under a millisecond apart, the tokens due leave together
                    // each millisecond (a timer has no finer grain), so the rate is still the one asked for.
                    var due = i * DripInterval - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(due.TotalMilliseconds)), aborted);
                    }
                }
                else if (i > 0 && model == GatedModel)
                {
                    await Gate.WaitAsync(aborted);
                }

                await WriteLineAsync(context, Chunk(model, model == FloodModel ? flood : StreamToken(i), done: false), aborted);
                await context.Response.Body.FlushAsync(aborted);
                Interlocked.Increment(ref _tokensWritten);
                if (model == FloodModel)
                {
                    Interlocked.Add(ref _bytesWritten, FloodTokenBytes);
                }
            }

            await WriteLineAsync(context, Chunk(model, "", done: true));
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            _aborts.Writer.TryWrite(now);
            AbortSource(prompt).TrySetResult(now);
        }
    }

    private static object Chunk(string model, string content, bool done) => done
        ? new { model, created_at = DateTimeOffset.UtcNow.ToString("O"), message = new { role = "assistant", content }, done, done_reason = (string?)"stop", total_duration = 1000, prompt_eval_count = 3, eval_count = 3 }
        : new { model, created_at = DateTimeOffset.UtcNow.ToString("O"), message = new { role = "assistant", content }, done, done_reason = (string?)null, total_duration = 0, prompt_eval_count = 0, eval_count = 0 };

    private static async Task WriteLineAsync(HttpContext context, object value, CancellationToken cancellationToken = default)
    {
        await context.Response.WriteAsync(JsonSerializer.Serialize(value) + "\n", cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
