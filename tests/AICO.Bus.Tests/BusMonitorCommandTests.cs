using System.Diagnostics;
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
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private KeyDerivation _keys = null!;
    private BrokerEngine _broker = null!;
    private Process? _monitor;

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
        if (_monitor is { HasExited: false })
        {
            _monitor.Kill(entireProcessTree: true);
            await _monitor.WaitForExitAsync();
        }

        _monitor?.Dispose();
        await _broker.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Bus_monitor_prints_matching_messages_in_ascii_and_exits_0_on_sigint()
    {
        _monitor = StartCli("bus", "monitor", "cli/");
        await Eventually.TrueAsync(() => Stdout.Contains("Watching 'cli/'") || _monitor.HasExited, "the monitor is subscribed");
        if (_monitor.HasExited)
        {
            Assert.Fail($"the monitor exited early ({_monitor.ExitCode}): {Stderr}");
        }


        await using var publisher = new BusClient(ComponentKeys.Derive(_keys, Components.Cli), new BusClientOptions { Endpoint = _broker.BoundEndpoint });
        publisher.Start();
        await publisher.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var marker = Guid.NewGuid().ToString("N");
        await publisher.PublishConfirmedAsync("system/not-watched", "test.v1", Encoding.UTF8.GetBytes("outside " + marker), null, BusFixture.Timeout());
        await publisher.PublishConfirmedAsync("cli/test/monitor", "test.v1", Encoding.UTF8.GetBytes("caf\u00e9 " + marker), null, BusFixture.Timeout());

        // Messages of one publisher arrive in order: once the second is printed, the first was filtered out, not late.
        await Eventually.TrueAsync(() => Stdout.Contains(marker), "the published message is printed");
        SendSigint(_monitor.Id);
        using var exitDeadline = new CancellationTokenSource(BusFixture.Deadline);
        await _monitor.WaitForExitAsync(exitDeadline.Token);

        var output = Stdout;
        Assert.True(_monitor.ExitCode == 0, $"exit {_monitor.ExitCode}; stdout: {output}; stderr: {Stderr}");
        Assert.Contains($" cli/test/monitor from cli [test.v1] caf\\u00e9 {marker}", output);
        Assert.DoesNotContain("outside " + marker, output);
        Assert.All(output, c => Assert.True(c is '\n' or (>= ' ' and <= '~'), $"non-ASCII character U+{(int)c:X4} in the output"));
        Assert.DoesNotContain("error", Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    private Process StartCli(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "aico.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[AicoPaths.DataDirVariable] = _dataDirectory;
        info.Environment["Bus__Endpoint"] = _broker.BoundEndpoint;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.Append(line).Append('\n');
            }
        }
    }

    /// <summary>What Ctrl-C in a terminal sends; .NET has no API to send a signal other than SIGKILL.</summary>
    private static void SendSigint(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
