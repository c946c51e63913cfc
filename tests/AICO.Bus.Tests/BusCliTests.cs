using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AICO.Cli;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>
/// `aico bus` against a real broker whose keys come from a throwaway key store, as the CLI reads them.
/// The CLI reads AICO_DATA_DIR and Bus__Endpoint from the environment, so these tests share one non-parallel collection.
/// </summary>
[Collection(CliEnvironment.Name)]
public sealed class BusCliTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "aico-bus-cli-" + Guid.NewGuid().ToString("N"));
    private KeyDerivation _keys = null!;
    private BrokerEngine _broker = null!;

    public async Task InitializeAsync()
    {
        var paths = new AicoPaths(_dataDirectory, Path.Combine(_dataDirectory, "run"));
        var store = new MasterKeyStore(paths);
        store.Create(force: false);
        _keys = store.LoadDerivation();
        var brokerKeys = ComponentKeys.Derive(_keys, Components.Broker);
        _broker = new BrokerEngine(brokerKeys.KeyPair, brokerKeys.AllowList, new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        _broker.Start();
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, _dataDirectory);
        Environment.SetEnvironmentVariable(BusCommands.EndpointVariable, _broker.BoundEndpoint);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, null);
        Environment.SetEnvironmentVariable(BusCommands.EndpointVariable, null);
        await _broker.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Bus_status_json_authenticates_as_cli_and_lists_clients_by_name()
    {
        await using var consumer = Client(Components.LogConsumer);
        await consumer.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        await using var subscription = await consumer.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout());

        var (exit, stdout, stderr) = await RunAsync("bus", "status", "--json");

        Assert.True(exit == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.True(json.GetProperty("reachable").GetBoolean());
        Assert.Equal("cli", json.GetProperty("authenticated_as").GetString());
        var logConsumer = json.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("component").GetString() == Components.LogConsumer);
        Assert.Equal("logs/", logConsumer.GetProperty("subscriptions")[0].GetString());
        Assert.Equal(0, logConsumer.GetProperty("dropped").GetInt64());
        Assert.Equal(0, logConsumer.GetProperty("denied").GetInt64());
    }

    [Fact]
    public async Task Bus_status_exits_1_with_the_reason_when_the_broker_is_unreachable()
    {
        Environment.SetEnvironmentVariable(BusCommands.EndpointVariable, "tcp://127.0.0.1:1");
        try
        {
            var (exit, _, stderr) = await RunAsync("bus", "status", "--json", "--timeout", "1");

            Assert.Equal(ExitCodes.Failure, exit);
            Assert.Contains("broker unreachable", stderr);
            Assert.Contains("tcp://127.0.0.1:1", stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable(BusCommands.EndpointVariable, _broker.BoundEndpoint);
        }
    }

    [Fact]
    public async Task Bus_publish_delivers_an_allowed_message_and_reports_a_refused_one()
    {
        await using var watcher = Client(Components.Cli);
        await watcher.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var received = Channel.CreateUnbounded<BusMessage>();
        await using var subscription = await watcher.SubscribeAsync("cli/", (m, _) => received.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());

        var allowed = await RunAsync("bus", "publish", "cli/test/v1", "hello from the cli");
        var refused = await RunAsync("bus", "publish", "logs/gateway/forged", "nope");

        Assert.True(allowed.Exit == 0, allowed.Stderr);
        var message = await received.Reader.ReadAsync(BusFixture.Timeout());
        Assert.Equal("hello from the cli", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(Components.Cli, message.SourceComponent);
        Assert.Equal(ExitCodes.Failure, refused.Exit);
        Assert.Contains("'cli' may not publish to 'logs/gateway/forged'", refused.Stderr);
    }

    private BusClient Client(string component)
    {
        var client = new BusClient(ComponentKeys.Derive(_keys, component), new BusClientOptions { Endpoint = _broker.BoundEndpoint });
        client.Start();
        return client;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliEnvironment
{
    public const string Name = "CLI environment variables";
}
