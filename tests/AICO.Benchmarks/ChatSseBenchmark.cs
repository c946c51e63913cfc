using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AICO.Bus;
using AICO.Gateway;
using AICO.Gateway.Auth;
using AICO.Models.Contracts;
using AICO.Security;
using AICO.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The gateway's share of a streamed chat, one run: the Ollama stand-in called directly (the chat-stream baseline)
/// vs a bare Kestrel endpoint (no middleware) writing the same SSE bytes from memory vs the real gateway (host
/// filtering, authentication, rate limiter, telemetry, validation, BusModelServiceClient, SSE writing) whose bus
/// answers from memory (<see cref="ReplayModelServiceBus"/>: first token alone, then frames of --frame tokens).
/// Same clients as chat-stream (NDJSON line + JsonDocument; SseParser + JsonDocument), concurrency 1, paths in
/// alternating blocks of 10. Besides latency and rate: the whole process's CPU time and allocated bytes per answer
/// (server and client, both in this process). Options: --requests N (400), --tokens N (100), --long-tokens N (20000),
/// --frame N (256), --only N (only path N, 0-2, for a profiler).
/// </summary>
internal static class ChatSseBenchmark
{
    private const int Block = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = ChatStreamBenchmark.Option(args, "--requests", 400);
        var tokens = ChatStreamBenchmark.Option(args, "--tokens", 100);
        var longTokens = ChatStreamBenchmark.Option(args, "--long-tokens", 20_000);
        var frame = ChatStreamBenchmark.Option(args, "--frame", 256);
        ThreadPool.SetMinThreads(32, 32);
        var data = Path.Combine(Path.GetTempPath(), "aico-bench-" + Guid.NewGuid().ToString("N"));
        new MasterKeyStore(new AicoPaths(data, Path.Combine(data, "run"))).Create(force: false);

        await using var ollama = await FakeOllamaServer.StartAsync();
        ollama.DripInterval = TimeSpan.Zero;
        var replay = new ReplayModelServiceBus(frame);
        var builder = GatewayHost.CreateBuilder(["--urls=http://127.0.0.1:0", $"--{AicoPaths.DataDirVariable}={data}", "--Logging:LogLevel:Default=Warning", "--environment=Production", "--Gateway:RateLimitPermits=1000000"]);
        builder.Services.AddSingleton<IBusClient>(replay);
        var gatewayApp = GatewayHost.Build(builder);
        await gatewayApp.StartAsync();
        var token = new GatewayTokenIssuer(gatewayApp.Services.GetRequiredService<ComponentKeys>().JwtSigningKey!).Issue("bench", GatewayRoles.User, TimeSpan.FromHours(1));
        await using var bareApp = await StartBareAsync(replay);

        using var direct = new HttpClient(ChatStreamBenchmark.ClosingHandler()) { BaseAddress = ollama.Endpoint, Timeout = Timeout.InfiniteTimeSpan };
        using var gateway = new HttpClient(ChatStreamBenchmark.ClosingHandler()) { BaseAddress = new Uri(gatewayApp.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var bare = new HttpClient(ChatStreamBenchmark.ClosingHandler()) { BaseAddress = new Uri(bareApp.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
        (string Name, ChatStreamBenchmark.StreamPath Tokens)[] paths =
        [
            ("stand-in /api/chat directly (baseline)", (model, prompt) => ChatStreamBenchmark.NdjsonTokens(direct, model, prompt)),
            ("bare Kestrel, same SSE bytes from memory, no middleware", (model, prompt) => ChatStreamBenchmark.SseTokens(bare, model, prompt, "/sse")),
            ("HTTP -> gateway (all middleware, SSE writer), bus answered from memory", (model, prompt) => ChatStreamBenchmark.SseTokens(gateway, model, prompt)),
        ];
        var only = ChatStreamBenchmark.Option(args, "--only", -1);
        if (only >= 0)
        {
            paths = [paths[only]]; // for a profiler: the ratios then compare the path with itself
        }

        Console.WriteLine($"chat-sse benchmark: {requests} requests per path, frames of {frame} tokens after the first, concurrency 1, {Environment.ProcessorCount} cores");
        var rows = new List<string>();
        foreach (var (answer, count) in new[] { (tokens, requests), (longTokens, Math.Max(Block, requests / 20)) })
        {
            ollama.DripTokens = replay.Tokens = answer;
            await CompareAsync(20, answer, paths); // warm-up: JIT, connections, tiered compilation
            var results = await CompareAsync(count, answer, paths);
            for (var p = 0; p < paths.Length; p++)
            {
                rows.Add(Row($"flat out, {answer} tokens", paths[p].Name, results[p], results[0], answer));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| answer | path | first token p50 ms | p99 ms | p50 added ms | whole answer p50 ms | tokens/s, second half, p50 | ratio to direct | CPU us per answer (server + client) | per token | bytes allocated per token |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        await bareApp.StopAsync();
        await gatewayApp.StopAsync();
        await gatewayApp.DisposeAsync();
        Directory.Delete(data, recursive: true);
        return 0;
    }

    /// <summary>Latency samples plus the process's CPU time and allocations over all of a path's requests.</summary>
    private sealed record PathRun(ChatStreamBenchmark.Samples Samples, int Requests, TimeSpan Cpu, long Allocated);

    private static async Task<PathRun[]> CompareAsync(int requests, int tokens, (string Name, ChatStreamBenchmark.StreamPath Tokens)[] paths)
    {
        var samples = paths.Select(_ => new ChatStreamBenchmark.Samples([], [], [])).ToArray();
        var cpu = new TimeSpan[paths.Length];
        var allocated = new long[paths.Length];
        using var process = Process.GetCurrentProcess();
        for (var done = 0; done < requests; done += Block)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
                for (var i = 0; i < Math.Min(Block, requests - done); i++)
                {
                    await ChatStreamBenchmark.MeasureAsync(paths[p].Tokens, samples[p]);
                }

                process.Refresh();
                cpu[p] += process.TotalProcessorTime - cpuBefore;
                allocated[p] += GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
            }
        }

        return [.. samples.Select((s, p) => new PathRun(s, requests, cpu[p], allocated[p]))];
    }

    private static string Row(string answer, string path, PathRun run, PathRun baseline, int tokens)
    {
        var s = run.Samples;
        var cpuPerAnswer = run.Cpu.TotalMicroseconds / run.Requests;
        return $"| {answer} | {path} | {ChatStreamBenchmark.P(s.FirstToken, 0.5):0.000} | {ChatStreamBenchmark.P(s.FirstToken, 0.99):0.000} | " +
            $"{ChatStreamBenchmark.P(s.FirstToken, 0.5) - ChatStreamBenchmark.P(baseline.Samples.FirstToken, 0.5):+0.000;-0.000} | {ChatStreamBenchmark.P(s.WholeAnswer, 0.5):0.000} | " +
            $"{ChatStreamBenchmark.P(s.TokensPerSecond, 0.5):N0} | {ChatStreamBenchmark.P(s.TokensPerSecond, 0.5) / ChatStreamBenchmark.P(baseline.Samples.TokensPerSecond, 0.5):0.00}x | " +
            $"{cpuPerAnswer:N0} | {cpuPerAnswer / tokens:0.00} | {(double)run.Allocated / run.Requests / tokens:N0} |";
    }

    /// <summary>Kestrel with no middleware: reads the chat request, writes the replayed answer's SSE bytes (prepared once per answer length).</summary>
    private static async Task<WebApplication> StartBareAsync(ReplayModelServiceBus replay)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var prepared = new Dictionary<int, byte[][]>();
        app.MapPost("/sse", async (HttpContext context) =>
        {
            await JsonSerializer.DeserializeAsync(context.Request.Body, ModelServiceJsonContext.Default.ChatRequest, context.RequestAborted);
            if (!prepared.TryGetValue(replay.Tokens, out var events))
            {
                prepared[replay.Tokens] = events = SseBytes(replay.Answer(replay.Tokens));
            }

            context.Response.ContentType = "text/event-stream";
            var unflushed = 0;
            foreach (var bytes in events)
            {
                await context.Response.BodyWriter.WriteAsync(bytes, context.RequestAborted);
                unflushed += bytes.Length;
                if (unflushed >= 16 * 1024 || bytes == events[0])
                {
                    await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
                    unflushed = 0;
                }
            }
        });
        await app.StartAsync();
        return app;
    }

    private static byte[][] SseBytes((byte[][] Frames, byte[] End) answer)
    {
        var events = answer.Frames.Select(f => Encoding.UTF8.GetBytes(string.Concat(
            JsonSerializer.Deserialize(f, ModelServiceJsonContext.Default.ChatTokens)!.Deltas.Select(d => $"event: token\ndata: {{\"delta\":{JsonSerializer.Serialize(d)}}}\n\n"))));
        var end = JsonSerializer.Deserialize(answer.End, ModelServiceJsonContext.Default.ChatReply)!;
        return [.. events, Encoding.UTF8.GetBytes($"event: done\ndata: {JsonSerializer.Serialize(new { model = end.Model, content = end.Content })}\n\n")];
    }
}
