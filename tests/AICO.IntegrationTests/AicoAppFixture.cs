using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AICO.Security;

namespace AICO.IntegrationTests;

/// <summary>
/// One whole AICO app per test collection (an app costs ~1.2 GB and ~10 s), with its own throwaway data directory.
/// </summary>
public sealed class AicoAppFixture : IAsyncLifetime
{
    public static readonly string[] Resources = ["broker", "logconsumer", "modelservice", "gateway"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Restarts the supervisor allows per resource within its window (default 6): low enough that a test reaches the
    /// cap in a few kills, high enough for the kill test's one kill of each resource after any other test's.
    /// </summary>
    public const int MaxRestarts = 2;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "aico-it-" + Guid.NewGuid().ToString("N"));
    public AicoPaths Paths => new(DataDirectory, Path.Combine(DataDirectory, "run"));
    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The chat backend the model service is pointed at (a test double of Ollama's HTTP API).</summary>
    public AICO.TestSupport.FakeOllamaServer Ollama { get; private set; } = null!;

    /// <summary>When set, the log consumer gets this database key at its next start instead of the installation's.</summary>
    public string? LogConsumerDatabaseKey { get; set; }

    public async Task InitializeAsync()
    {
        Ollama = await AICO.TestSupport.FakeOllamaServer.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AICO_AppHost>(
            [$"{AicoPaths.DataDirVariable}={DataDirectory}", $"Parameters:ollama-endpoint={Ollama.Endpoint}", "Aico:BusPort=0",
             $"Aico:Supervision:MaxRestarts={MaxRestarts}"]);
        // Every request of a test's HttpClient is otherwise four console lines: under load that is CPU the processes need.
        builder.Services.AddLogging(logging => logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        // Evaluated at each start of the process, after the AppHost's own settings: a test can give the next start of
        // the log consumer a database key that does not open the database (another installation's key).
        builder.Resources.Single(r => r.Name == "logconsumer").Annotations.Add(new EnvironmentCallbackAnnotation(context =>
        {
            if (LogConsumerDatabaseKey is { } key)
            {
                context.EnvironmentVariables[ComponentKeys.DatabaseKeySetting.Replace(":", "__", StringComparison.Ordinal)] = key;
            }
        }));
        App = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(cts.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        if (Ollama is not null)
        {
            await Ollama.DisposeAsync();
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AicoAppCollection : ICollectionFixture<AicoAppFixture>
{
    public const string Name = "AICO app";
}
