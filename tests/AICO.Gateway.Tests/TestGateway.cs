using AICO.Bus;
using AICO.Gateway.Auth;
using AICO.Gateway.Lifecycle;
using AICO.Gateway.ModelService;
using AICO.Models;
using AICO.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AICO.Gateway.Tests;

/// <summary>
/// The real gateway app (GatewayHost, Kestrel on 127.0.0.1 with an ephemeral port) over a throwaway key store,
/// with the model service handler in-process. Chat goes to <paramref name="ollama"/> when given.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    internal static readonly Lazy<EmbeddingEngine> SharedEngine = new(() => new EmbeddingEngine(concurrency: 2));

    private TestGateway(WebApplication app, string dataDirectory, Task run)
    {
        App = app;
        DataDirectory = dataDirectory;
        Run = run;
    }

    public WebApplication App { get; }
    public string DataDirectory { get; }
    public Task Run { get; }
    public Uri BaseAddress { get; private set; } = null!;
    public GatewayRuntimeFiles Files { get; private set; } = null!;
    /// <summary>Carries an admin token (admin passes every policy); <see cref="Anonymous"/> carries none.</summary>
    public HttpClient Http { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public GatewayTokenIssuer Tokens { get; private set; } = null!;

    /// <summary>With <paramref name="bus"/>, the model service is reached over it (the production path); else in-process.</summary>
    public static async Task<TestGateway> StartAsync(Uri? ollama = null, IBusClient? bus = null, params string[] extraArgs)
    {
        var data = Path.Combine(Path.GetTempPath(), "aico-gw-" + Guid.NewGuid().ToString("N"));
        new MasterKeyStore(new AicoPaths(data, Path.Combine(data, "run"))).Create(force: false);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--{AicoPaths.DataDirVariable}={data}",
            $"--{AicoPaths.RuntimeDirVariable}={Path.Combine(data, "run")}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var builder = GatewayHost.CreateBuilder(args);
        builder.AddAicoDatabase(Components.Gateway);
        if (bus is not null)
        {
            builder.Services.AddSingleton(bus);
        }
        else
        {
            var chat = new ChatService(ChatClientFactory.Create(new ModelServiceOptions { OllamaEndpoint = ollama?.ToString() }), "tiny");
            builder.Services.Replace(ServiceDescriptor.Singleton<IModelServiceClient>(new InProcessModelServiceClient(new ModelServiceRequestHandler(SharedEngine.Value, chat))));
        }

        var app = GatewayHost.Build(builder);

        var started = new TaskCompletionSource();
        app.Lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        var run = GatewayHost.RunAsync(app);
        await Task.WhenAny(started.Task, run).WaitAsync(TimeSpan.FromSeconds(60));
        await (run.IsCompleted ? run : Task.CompletedTask);

        var gateway = new TestGateway(app, data, run);
        gateway.BaseAddress = new Uri(app.Urls.First());
        gateway.Files = app.Services.GetRequiredService<GatewayRuntimeFiles>();
        gateway.Tokens = new GatewayTokenIssuer(app.Services.GetRequiredService<ComponentKeys>().JwtSigningKey!);
        gateway.Http = gateway.WithToken(gateway.Tokens.Issue("test-admin", GatewayRoles.Admin, TimeSpan.FromHours(1)));
        gateway.Anonymous = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return gateway;
    }

    public HttpClient WithToken(string token)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Anonymous?.Dispose();
        if (!Run.IsCompleted)
        {
            App.Lifetime.StopApplication();
        }

        await Run.WaitAsync(TimeSpan.FromSeconds(60));
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
