using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AICO.Security;
using AICO.TestSupport;

namespace AICO.Gateway.Tests;

/// <summary>`aico chat` as a user runs it (the built CLI as a process) against the gateway over the bus and the Ollama stand-in.</summary>
public class ChatCommandTests(GatewayOverBusFixture fixture) : IClassFixture<GatewayOverBusFixture>
{
    private ProcessStartInfo Cli(params string[] args)
    {
        return TestProcess.DotnetStartInfo(TestProcess.Cli, args, new Dictionary<string, string>
        {
            [AicoPaths.DataDirVariable] = fixture.Gateway.DataDirectory,
            [AicoPaths.RuntimeDirVariable] = Path.Combine(fixture.Gateway.DataDirectory, "run"),
            ["ASPNETCORE_URLS"] = fixture.Gateway.BaseAddress.ToString(),
        });
    }

    [Fact]
    public async Task Aico_chat_json_prints_every_event_as_one_json_line()
    {
        fixture.Ollama.DripTokens = 3;
        fixture.Ollama.DripInterval = TimeSpan.FromMilliseconds(5);
        using var cli = Process.Start(Cli("chat", "hello", "--model", FakeOllamaServer.DripModel, "--json"))!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TestProcess.Deadline);

        Assert.True(cli.ExitCode == 0, await cli.StandardError.ReadToEndAsync());
        var events = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["token", "token", "token", "done"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("t1 ", events[1].GetProperty("data").GetProperty("delta").GetString());
        Assert.Equal("t0 t1 t2 ", events[3].GetProperty("data").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Aico_chat_without_a_reachable_gateway_fails_with_a_clear_error()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var closed = $"http://127.0.0.1:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();
        var info = Cli("chat", "hello");
        info.Environment["ASPNETCORE_URLS"] = closed;

        using var cli = Process.Start(info)!;
        var error = await cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TestProcess.Deadline);

        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("the gateway is not reachable at", error);
        Assert.Contains("aico gateway start", error);
    }
}

