using System.Diagnostics;
using System.Net.Http.Json;
using AICO.Bus;
using AICO.Gateway;
using AICO.Models;
using AICO.Models.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using AICO.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AICO.Benchmarks;

/// <summary>
/// One run, one embedding engine: (1) in-process EmbedAsync of one sentence; (2) the same through HTTP -> gateway ->
/// AICO broker -> model service bus handler -> back. Broker, model service worker and gateway run in this process,
/// every hop between them a real loopback socket. Concurrency 1 and 16. Options: --requests N (400 per run).
/// </summary>
internal static class EmbeddingsBenchmark
{
    private const string Sentence = "The quick brown fox jumps over the lazy dog near the river bank.";

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 1 && args[0] == "--requests" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 400;
        ThreadPool.SetMinThreads(32, 32);
        Environment.SetEnvironmentVariable("ORT_DISABLE_TELEMETRY", "1");
        var data = Path.Combine(Path.GetTempPath(), "aico-bench-" + Guid.NewGuid().ToString("N"));
        var paths = new AicoPaths(data, Path.Combine(data, "run"));
        var store = new MasterKeyStore(paths);
        store.Create(force: false);
        var keys = store.LoadDerivation();

        var options = new ModelServiceOptions();
        using var engine = new EmbeddingEngine(options.EmbeddingConcurrency);
        await engine.WarmUpAsync(CancellationToken.None);

        await using var broker = BenchmarkBroker.Start(keys);
        await using var modelBus = await BenchmarkBusClients.ConnectAsync(keys, Components.ModelService, broker.BoundEndpoint);
        await using var gatewayBus = await BenchmarkBusClients.ConnectAsync(keys, Components.Gateway, broker.BoundEndpoint);
        using var worker = new ModelServiceBusWorker(modelBus, new ModelServiceRequestHandler(engine, new ChatService(null, options.ChatModel)), Options.Create(options), NullLogger<ModelServiceBusWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        while (!worker.IsSubscribed)
        {
            await Task.Delay(10);
        }

        var builder = GatewayHost.CreateBuilder(["--urls=http://127.0.0.1:0", $"--{AicoPaths.DataDirVariable}={data}", "--Logging:LogLevel:Default=Warning", "--environment=Production"]);
        builder.Services.AddSingleton<IBusClient>(gatewayBus);
        var app = GatewayHost.Build(builder);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var fixedReply = new EmbeddingsReply(EmbeddingEngine.ModelName, EmbeddingEngine.Dimensions, await engine.EmbedAsync([Sentence], CancellationToken.None));
        var fixedBuilder = GatewayHost.CreateBuilder(["--urls=http://127.0.0.1:0", $"--{AicoPaths.DataDirVariable}={data}", "--Logging:LogLevel:Default=Warning", "--environment=Production"]);
        fixedBuilder.Services.AddSingleton<IBusClient>(gatewayBus);
        fixedBuilder.Services.AddSingleton<AICO.Gateway.ModelService.IModelServiceClient>(new FixedReplyClient(fixedReply));
        var fixedGateway = GatewayHost.Build(fixedBuilder);
        await fixedGateway.StartAsync();
        using var fixedHttp = new HttpClient { BaseAddress = new Uri(fixedGateway.Urls.First()) };

        var bareBuilder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        bareBuilder.Logging.ClearProviders();
        bareBuilder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ModelServiceJsonContext.Default));
        var bare = bareBuilder.Build();
        bare.MapPost("/fixed", (EmbeddingsRequest r) => TypedResults.Ok(fixedReply));
        await bare.StartAsync();
        using var bareHttp = new HttpClient { BaseAddress = new Uri(bare.Urls.First()) };

        Console.WriteLine($"embeddings benchmark: {requests} requests of one sentence per run, engine concurrency {options.EmbeddingConcurrency}, {Environment.ProcessorCount} cores");
        Func<Task> inProcess = () => engine.EmbedAsync([Sentence], CancellationToken.None);
        Func<Task> throughGateway = async () =>
        {
            using var response = await http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { Sentence } });
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        };

        Func<Task> bareFixed = () => PostAsync(bareHttp, "/fixed");
        Func<Task> gatewayFixed = () => PostAsync(fixedHttp, "/api/v1/embeddings");
        var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new AICO.Models.Contracts.EmbeddingsRequest([Sentence]), AICO.Models.Contracts.ModelServiceJsonContext.Default.EmbeddingsRequest);
        Func<Task> overBus = () => gatewayBus.RequestAsync(AICO.Models.Contracts.ModelServiceTopics.EmbeddingsRequest, AICO.Models.Contracts.ModelServiceTopics.EmbeddingsRequestType, payload, TimeSpan.FromSeconds(30), CancellationToken.None);

        var rows = new List<string>();
        foreach (var concurrency in new[] { 1, 16 })
        {
            await MeasureAsync(inProcess, 20, concurrency);
            await MeasureAsync(throughGateway, 20, concurrency);
            await MeasureAsync(overBus, 20, concurrency);
            var raw = await MeasureAsync(inProcess, requests, concurrency);
            var bus = await MeasureAsync(overBus, requests, concurrency);
            var full = await MeasureAsync(throughGateway, requests, concurrency);
            rows.Add($"| {concurrency} | in-process EmbedAsync (baseline) | {raw.Rate:N0} | {raw.P50:0.00} | {raw.P99:0.00} | 1.00x | - |");
            rows.Add($"| {concurrency} | bus request -> model service (no HTTP) | {bus.Rate:N0} | {bus.P50:0.00} | {bus.P99:0.00} | {bus.P50 / raw.P50:0.00}x | {bus.P50 - raw.P50:+0.00;-0.00} |");
            rows.Add($"| {concurrency} | HTTP -> gateway -> bus -> model service | {full.Rate:N0} | {full.P50:0.00} | {full.P99:0.00} | {full.P50 / raw.P50:0.00}x | {full.P50 - raw.P50:+0.00;-0.00} |");
        }

        // The HTTP layer alone: the same request and reply JSON, a fixed reply instead of the model, so the gateway's
        // own cost (middleware, auth, validation, ProblemDetails wiring, telemetry) is read against bare Kestrel.
        await MeasureAsync(bareFixed, 50, 1);
        await MeasureAsync(gatewayFixed, 50, 1);
        var bareRun = await MeasureAsync(bareFixed, requests * 4, 1);
        var gatewayRun = await MeasureAsync(gatewayFixed, requests * 4, 1);

        Console.WriteLine();
        Console.WriteLine("| concurrency | path | requests/s | p50 ms | p99 ms | p50 ratio | p50 added ms |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("| HTTP layer alone, fixed reply, concurrency 1 | requests/s | p50 ms | p99 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| bare minimal API (CreateSlimBuilder, same JSON) | {bareRun.Rate:N0} | {bareRun.P50:0.000} | {bareRun.P99:0.000} |");
        Console.WriteLine($"| gateway POST /api/v1/embeddings | {gatewayRun.Rate:N0} | {gatewayRun.P50:0.000} | {gatewayRun.P99:0.000} |");

        await bare.StopAsync();
        await bare.DisposeAsync();
        await fixedGateway.StopAsync();
        await fixedGateway.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        await worker.StopAsync(CancellationToken.None);
        Directory.Delete(data, recursive: true);
        return 0;
    }

    private static async Task PostAsync(HttpClient http, string path)
    {
        using var response = await http.PostAsJsonAsync(path, new { input = new[] { Sentence } });
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    private sealed class FixedReplyClient(EmbeddingsReply reply) : AICO.Gateway.ModelService.IModelServiceClient
    {
        public Task<EmbeddingsReply> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken) => Task.FromResult(reply);

        public Task<ChatReply> ChatAsync(ChatRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<AICO.Gateway.ModelService.ChatStreamPart> StreamChatAsync(ChatRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static async Task<(double Rate, double P50, double P99)> MeasureAsync(Func<Task> call, int requests, int concurrency)
    {
        var latencies = new double[requests];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (requests / elapsed, latencies[(int)(requests * 0.50)], latencies[Math.Min(requests - 1, (int)(requests * 0.99))]);
    }
}
