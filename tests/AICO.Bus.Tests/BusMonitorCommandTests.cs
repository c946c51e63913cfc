using System.Text;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>
/// `aico bus monitor PREFIX` as a user runs it: the built CLI as its own process against a real broker, stopped with
/// SIGINT (Ctrl-C). The environment goes to the child only, so this does not need the CLI environment collection.
/// </summary>
public sealed class BusMonitorCommandTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "aico-bus-monitor-" + Guid.NewGuid().ToString("N"));
    private KeyDerivation _keys = null!;
    private BrokerEngine _broker = null!;
    private TestProcess? _monitor;

    public Task InitializeAsync()
    {
        var store = new MasterKeyStore(new AicoPaths(_dataDirectory, Path.Combine(_dataDirectory, "run")));
        store.Create(force: false);
        _keys = store.LoadDerivation();
        var brokerKeys = ComponentKeys.Derive(_keys, Components.Broker);
        _broker = new BrokerEngine(brokerKeys.KeyPair, brokerKeys.AllowList, new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        _broker.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _monitor?.Dispose();
        await _broker.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Bus_monitor_prints_matching_messages_in_ascii_and_exits_0_on_sigint()
    {
        _monitor = TestProcess.StartCli(
            new Dictionary<string, string> { [AicoPaths.DataDirVariable] = _dataDirectory, ["Bus__Endpoint"] = _broker.BoundEndpoint },
            "bus", "monitor", "cli/");
        await Eventually.TrueAsync(() => _monitor.Stdout.Contains("Watching 'cli/'") || _monitor.Process.HasExited, "the monitor is subscribed");
        if (_monitor.Process.HasExited)
        {
            Assert.Fail($"the monitor exited early ({_monitor.Process.ExitCode}): {_monitor.Stderr}");
        }


        await using var publisher = new BusClient(ComponentKeys.Derive(_keys, Components.Cli), new BusClientOptions { Endpoint = _broker.BoundEndpoint });
        publisher.Start();
        await publisher.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var marker = Guid.NewGuid().ToString("N");
        await publisher.PublishConfirmedAsync("system/not-watched", "test.v1", Encoding.UTF8.GetBytes("outside " + marker), null, BusFixture.Timeout());
        await publisher.PublishConfirmedAsync("cli/test/monitor", "test.v1", Encoding.UTF8.GetBytes("caf\u00e9 " + marker), null, BusFixture.Timeout());

        // Messages of one publisher arrive in order: once the second is printed, the first was filtered out, not late.
        await Eventually.TrueAsync(() => _monitor.Stdout.Contains(marker), "the published message is printed");
        _monitor.SendSigint();
        using var exitDeadline = new CancellationTokenSource(BusFixture.Deadline);
        await _monitor.Process.WaitForExitAsync(exitDeadline.Token);

        var output = _monitor.Stdout;
        Assert.True(_monitor.Process.ExitCode == 0, $"exit {_monitor.Process.ExitCode}; stdout: {output}; stderr: {_monitor.Stderr}");
        Assert.Contains($" cli/test/monitor from cli [test.v1] caf\\u00e9 {marker}", output);
        Assert.DoesNotContain("outside " + marker, output);
        Assert.All(output, c => Assert.True(c is '\n' or (>= ' ' and <= '~'), $"non-ASCII character U+{(int)c:X4} in the output"));
        Assert.DoesNotContain("error", _monitor.Stderr, StringComparison.OrdinalIgnoreCase);
    }

}
