using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using AICO.Bus;
using AICO.Gateway;
using AICO.Gateway.Auth;
using AICO.Models;
using AICO.Models.Contracts;
using AICO.Security;
using AICO.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AICO.Benchmarks;

/// <summary>
/// Streamed chat, one run: the Ollama stand-in (tests/Shared, the HTTP fake at the true edge) called directly on its
/// NDJSON endpoint, against HTTP -> gateway (SSE) -> AICO broker -> model service (OllamaSharp's IChatClient) -> the
/// same stand-in. Broker, model service worker and gateway run in this process, every hop a real loopback socket.
/// Direct and gateway requests alternate in blocks so both see the same load. Measures time to the first and to the
/// last token and tokens/s over the second half of the answer (flat out with a short and a long answer, and paced
/// like a fast local model, and a sweep of paces up to flat out), the process CPU per token of each path, and how long after the HTTP client goes away the stand-in sees its request cancelled
/// (model paced, and model silent after its first token). Options: --requests N (200), --tokens N (100),
/// --long-tokens N (20000).
/// </summary>
internal static class ChatStreamBenchmark
{
    private const int Block = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 200);
        var tokens = Option(args, "--tokens", 100);
        var longTokens = Option(args, "--long-tokens", 20_000);
        ThreadPool.SetMinThreads(32, 32);
        var data = Path.Combine(Path.GetTempPath(), "aico-bench-" + Guid.NewGuid().ToString("N"));
        var store = new MasterKeyStore(new AicoPaths(data, Path.Combine(data, "run")));
        store.Create(force: false);
        var keys = store.LoadDerivation();

        await using var ollama = await FakeOllamaServer.StartAsync();
        await using var broker = BenchmarkBroker.Start(keys);
        await using var modelBus = await BenchmarkBusClients.ConnectAsync(keys, Components.ModelService, broker.BoundEndpoint);
        await using var gatewayBus = await BenchmarkBusClients.ConnectAsync(keys, Components.Gateway, broker.BoundEndpoint);
        var options = new ModelServiceOptions { OllamaEndpoint = ollama.Endpoint.ToString(), ChatModel = FakeOllamaServer.DripModel };
        using var engine = new EmbeddingEngine(1); // never loaded: only chat is asked
        using var worker = new ModelServiceBusWorker(modelBus, new ModelServiceRequestHandler(engine, new ChatService(ChatClientFactory.Create(options), options.ChatModel)), Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        while (!worker.IsSubscribed)
        {
            await Task.Delay(10);
        }

        var builder = GatewayHost.CreateBuilder(["--urls=http://127.0.0.1:0", $"--{AicoPaths.DataDirVariable}={data}", "--Logging:LogLevel:Default=Warning", "--environment=Production", "--Gateway:RateLimitPermits=1000000"]);
        builder.Services.AddSingleton<IBusClient>(gatewayBus);
        var app = GatewayHost.Build(builder);
        await app.StartAsync();
        var token = new GatewayTokenIssuer(app.Services.GetRequiredService<ComponentKeys>().JwtSigningKey!).Issue("bench", GatewayRoles.User, TimeSpan.FromHours(1));
        using var gateway = new HttpClient(ClosingHandler()) { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var direct = new HttpClient(ClosingHandler()) { BaseAddress = ollama.Endpoint, Timeout = Timeout.InfiniteTimeSpan };
        StreamPath viaDirect = (model, prompt) => NdjsonTokens(direct, model, prompt);
        StreamPath viaGateway = (model, prompt) => SseTokens(gateway, model, prompt);
        StreamPath viaBus = (model, prompt) => BusTokens(gatewayBus, model, prompt);
        var chatService = new ChatService(ChatClientFactory.Create(options), options.ChatModel);
        StreamPath viaChatClient = (model, prompt) => chatService.StreamAsync(new ChatRequest([new ChatTurn("user", prompt)], model, Stream: true), CancellationToken.None);

        Console.WriteLine($"chat-stream benchmark: {requests} requests per path, {tokens} tokens each, concurrency 1, {Environment.ProcessorCount} cores");
        ollama.DripTokens = tokens;
        ollama.DripInterval = TimeSpan.Zero;
        await CompareAsync(20, viaDirect, viaChatClient, viaBus, viaGateway); // warm-up: JIT, connections, tiered compilation
        var flat = await CompareAsync(requests, viaDirect, viaChatClient, viaBus, viaGateway);
        ollama.DripTokens = longTokens;
        var flatLong = await CompareAsync(30, viaDirect, viaChatClient, viaBus, viaGateway);

        ollama.DripTokens = 20;
        ollama.DripInterval = TimeSpan.FromMilliseconds(5);
        var paced = await CompareAsync(20, viaDirect, viaChatClient, viaBus, viaGateway);

        // Pace sweep: up to which token rate the pipeline keeps up (about 200 ms of answer per request at each pace).
        var sweep = new List<(string Pace, int Tokens, Samples[] Runs)>();
        foreach (var (interval, count) in new[] { (1.0, 200), (0.1, 2_000), (0.01, 20_000) })
        {
            ollama.DripTokens = count;
            ollama.DripInterval = TimeSpan.FromMilliseconds(interval);
            sweep.Add(($"{interval:0.##} ms per token ({1000 / interval:N0}/s)", count, await CompareAsync(10, viaDirect, viaChatClient, viaBus, viaGateway)));
        }

        sweep.Add(("flat out", longTokens, flatLong));

        ollama.DripTokens = longTokens;
        ollama.DripInterval = TimeSpan.Zero;
        var cpu = await CpuPerTokenAsync(
            ("the stand-in alone: its bytes read and dropped, nothing parsed", (model, prompt) => DiscardedLines(direct, model, prompt)),
            ("stand-in /api/chat directly (baseline)", viaDirect),
            ("the model service's own read: IChatClient (OllamaSharp) -> stand-in, no bus", viaChatClient),
            ("bus stream request -> model service -> stand-in (no HTTP)", viaBus),
            ("HTTP -> gateway -> bus -> model service -> stand-in", viaGateway));

        ollama.DripTokens = 100_000;
        ollama.DripInterval = TimeSpan.FromMilliseconds(20);
        var rawCancel = await DisconnectAsync(ollama, FakeOllamaServer.DripModel, viaDirect, 20);
        var fullCancel = await DisconnectAsync(ollama, FakeOllamaServer.DripModel, viaGateway, 20);
        // The gated stand-in writes one token, then nothing (its gate is never released): a model silent between tokens.
        var rawSilentCancel = await DisconnectAsync(ollama, FakeOllamaServer.GatedModel, viaDirect, 20);
        var fullSilentCancel = await DisconnectAsync(ollama, FakeOllamaServer.GatedModel, viaGateway, 20);

        Console.WriteLine();
        Console.WriteLine("| stand-in pace, answer | path | first token p50 ms | p99 ms | p50 added ms | whole answer p50 ms | ratio to direct | tokens/s, second half, p50 | ratio to direct |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (pace, runs) in new[] { ($"flat out, {tokens} tokens", flat), ($"flat out, {longTokens} tokens", flatLong), ("5 ms per token, 20 tokens", paced) })
        {
            Row(pace, "stand-in /api/chat directly (baseline)", runs[0], runs[0]);
            Row(pace, "the model service's own read: IChatClient (OllamaSharp) -> stand-in, no bus", runs[1], runs[0]);
            Row(pace, "bus stream request -> model service -> stand-in (no HTTP)", runs[2], runs[0]);
            Row(pace, "HTTP -> gateway -> bus -> model service -> stand-in", runs[3], runs[0]);
        }

        Console.WriteLine();
        Console.WriteLine("| stand-in pace | answer | direct tokens/s, second half, p50 | bus: first token added, p50 ms | bus: tokens/s ratio to direct | HTTP: first token added, p50 ms | HTTP: tokens/s ratio to direct |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (pace, count, runs) in sweep)
        {
            Console.WriteLine($"| {pace} | {count:N0} | {P(runs[0].TokensPerSecond, 0.5):N0} | {Added(runs[2], runs[0]):+0.000;-0.000} | {Ratio(runs[2], runs[0]):0.00}x | {Added(runs[3], runs[0]):+0.000;-0.000} | {Ratio(runs[3], runs[0]):0.00}x |");
        }

        Console.WriteLine();
        Console.WriteLine($"| path, flat out, {longTokens:N0} tokens x {CpuRequests} x 2 rounds | tokens/s, whole answer | process CPU us per token | added by this stage, us per token | cores busy |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < cpu.Count; i++)
        {
            var added = i == 0 ? "" : i == 2 ? $"{cpu[2].CpuPerToken - cpu[0].CpuPerToken:+0.00;-0.00} (vs the stand-in alone)" : $"{cpu[i].CpuPerToken - cpu[i - 1].CpuPerToken:+0.00;-0.00}";
            Console.WriteLine($"| {cpu[i].Path} | {cpu[i].Rate:N0} | {cpu[i].CpuPerToken:0.00} | {added} | {cpu[i].Cores:0.00} |");
        }

        Console.WriteLine();
        Console.WriteLine("| client goes away after the first token | path | stand-in sees the disconnect, p50 ms | max ms |");
        Console.WriteLine("| --- | --- | ---: | ---: |");
        foreach (var (pace, raw, full) in new[] { ("20 ms per token", rawCancel, fullCancel), ("silent after the first token", rawSilentCancel, fullSilentCancel) })
        {
            Console.WriteLine($"| {pace} | stand-in /api/chat directly (baseline) | {P(raw, 0.5):0.00} | {raw.Max():0.00} |");
            Console.WriteLine($"| {pace} | HTTP -> gateway -> bus -> model service -> stand-in | {P(full, 0.5):0.00} | {full.Max():0.00} |");
        }

        await app.StopAsync();
        await app.DisposeAsync();
        await worker.StopAsync(CancellationToken.None);
        Directory.Delete(data, recursive: true);
        return 0;
    }

    private const int CpuRequests = 5;

    /// <summary>
    /// The whole process's CPU time per token (everything runs in this process), path by path in alternating rounds:
    /// what each stage of the pipeline costs, and so the rate 2 cores allow it at most.
    /// </summary>
    private static async Task<List<(string Path, double Rate, double CpuPerToken, double Cores)>> CpuPerTokenAsync(params (string Name, StreamPath Path)[] paths)
    {
        var totals = paths.Select(_ => (Tokens: 0L, Cpu: TimeSpan.Zero, Wall: TimeSpan.Zero)).ToArray();
        for (var round = 0; round < 2; round++)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                var start = Stopwatch.GetTimestamp();
                var tokens = 0L;
                for (var i = 0; i < CpuRequests; i++)
                {
                    await foreach (var _ in paths[p].Path(FakeOllamaServer.DripModel, "bench"))
                    {
                        tokens++;
                    }
                }

                totals[p] = (totals[p].Tokens + tokens, totals[p].Cpu + (Environment.CpuUsage.TotalTime - cpu), totals[p].Wall + Stopwatch.GetElapsedTime(start));
            }
        }

        return paths.Select((path, p) => (path.Name, totals[p].Tokens / totals[p].Wall.TotalSeconds, totals[p].Cpu.TotalMicroseconds / totals[p].Tokens, totals[p].Cpu / totals[p].Wall)).ToList();
    }

    private static double Added(Samples s, Samples baseline) => P(s.FirstToken, 0.5) - P(baseline.FirstToken, 0.5);

    private static double Ratio(Samples s, Samples baseline) => P(s.TokensPerSecond, 0.5) / P(baseline.TokensPerSecond, 0.5);

    /// <summary>One way to ask the stand-in's model for a streamed answer to a prompt.</summary>
    internal delegate IAsyncEnumerable<string> StreamPath(string model, string prompt);

    /// <summary>
    /// Per request: time to the first token, to the last, and the rate over the second half of the answer. The rate
    /// leaves out the first half because tokens the stand-in wrote while the first was still on its way arrive as a
    /// burst; on a long answer the second half is the sustained rate of the slowest hop.
    /// </summary>
    internal sealed record Samples(List<double> FirstToken, List<double> WholeAnswer, List<double> TokensPerSecond);

    private static void Row(string pace, string path, Samples s, Samples baseline) => Console.WriteLine(
        $"| {pace} | {path} | {P(s.FirstToken, 0.5):0.000} | {P(s.FirstToken, 0.99):0.000} | {P(s.FirstToken, 0.5) - P(baseline.FirstToken, 0.5):+0.000;-0.000} | " +
        $"{P(s.WholeAnswer, 0.5):0.000} | {P(baseline.WholeAnswer, 0.5) / P(s.WholeAnswer, 0.5):0.00}x | {P(s.TokensPerSecond, 0.5):N0} | {P(s.TokensPerSecond, 0.5) / P(baseline.TokensPerSecond, 0.5):0.00}x |");

    /// <summary>Alternates blocks of requests over each path so all paths see the same machine.</summary>
    private static async Task<Samples[]> CompareAsync(int requests, params StreamPath[] paths)
    {
        var samples = paths.Select(_ => new Samples([], [], [])).ToArray();
        for (var done = 0; done < requests; done += Block)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                for (var i = 0; i < Math.Min(Block, requests - done); i++)
                {
                    await MeasureAsync(paths[p], samples[p]);
                }
            }
        }

        return samples;
    }

    internal static async Task MeasureAsync(StreamPath tokensOf, Samples into)
    {
        var start = Stopwatch.GetTimestamp();
        var arrivals = new List<long>();
        await foreach (var _ in tokensOf(FakeOllamaServer.DripModel, "bench"))
        {
            arrivals.Add(Stopwatch.GetTimestamp());
        }

        var half = arrivals.Count / 2;
        into.FirstToken.Add(Stopwatch.GetElapsedTime(start, arrivals[0]).TotalMilliseconds);
        into.WholeAnswer.Add(Stopwatch.GetElapsedTime(start, arrivals[^1]).TotalMilliseconds);
        into.TokensPerSecond.Add((arrivals.Count - 1 - half) / Stopwatch.GetElapsedTime(arrivals[half], arrivals[^1]).TotalSeconds);
    }

    /// <summary>Reads the first token, closes the connection, and times until the stand-in's request is aborted.</summary>
    private static async Task<List<double>> DisconnectAsync(FakeOllamaServer ollama, string model, StreamPath tokensOf, int trials)
    {
        var delays = new List<double>();
        for (var i = 0; i < trials; i++)
        {
            var prompt = "disconnect " + Guid.NewGuid().ToString("N");
            var aborted = ollama.AbortOf(prompt);
            var items = tokensOf(model, prompt).GetAsyncEnumerator();
            await items.MoveNextAsync();
            var closed = Stopwatch.GetTimestamp();
            await items.DisposeAsync(); // disposes the response stream: the connection closes
            delays.Add(Stopwatch.GetElapsedTime(closed, await aborted.WaitAsync(TimeSpan.FromSeconds(30))).TotalMilliseconds);
        }

        return delays;
    }

    /// <summary>
    /// A client that closes its connection when it stops reading, as a browser or curl does: by default .NET's handler
    /// first drains an unfinished response for up to 2 s (ResponseDrainTimeout) to reuse the connection.
    /// </summary>
    internal static SocketsHttpHandler ClosingHandler() => new() { MaxResponseDrainSize = 0 };

    private static async Task<Stream> OpenAsync(HttpClient http, string path, string model, string prompt)
    {
        var body = new { model, messages = new[] { new { role = "user", content = prompt } }, stream = true };
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStreamAsync();
    }

    internal static async IAsyncEnumerable<string> NdjsonTokens(HttpClient direct, string model, string prompt)
    {
        using var reader = new StreamReader(await OpenAsync(direct, "/api/chat", model, prompt));
        while (await reader.ReadLineAsync() is { } line)
        {
            using var chunk = JsonDocument.Parse(line);
            if (chunk.RootElement.GetProperty("done").GetBoolean())
            {
                yield break;
            }

            yield return chunk.RootElement.GetProperty("message").GetProperty("content").GetString()!;
        }
    }

    /// <summary>The least a reader can do: one (empty) item per NDJSON line, nothing parsed.</summary>
    private static async IAsyncEnumerable<string> DiscardedLines(HttpClient direct, string model, string prompt)
    {
        await using var stream = await OpenAsync(direct, "/api/chat", model, prompt);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            for (var lines = buffer.AsSpan(0, read).Count((byte)'\n'); lines > 0; lines--)
            {
                yield return "";
            }
        }
    }

    internal static async IAsyncEnumerable<string> SseTokens(HttpClient gateway, string model, string prompt, string path = "/api/v1/chat")
    {
        await using var stream = await OpenAsync(gateway, path, model, prompt);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            if (item.EventType != "token")
            {
                yield break;
            }

            using var data = JsonDocument.Parse(item.Data);
            yield return data.RootElement.GetProperty("delta").GetString()!;
        }
    }

    private static async IAsyncEnumerable<string> BusTokens(IBusClient bus, string model, string prompt)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([new ChatTurn("user", prompt)], model, Stream: true), ModelServiceJsonContext.Default.ChatRequest);
        await foreach (var item in bus.RequestStreamAsync(ModelServiceTopics.ChatRequest, ModelServiceTopics.ChatRequestType, request, new BusStreamOptions(), CancellationToken.None))
        {
            if (item.IsStreamEnd)
            {
                yield break;
            }

            foreach (var delta in JsonSerializer.Deserialize(item.Payload.Span, ModelServiceJsonContext.Default.ChatTokens)!.Deltas)
            {
                yield return delta;
            }
        }
    }

    internal static double P(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * quantile))];
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
