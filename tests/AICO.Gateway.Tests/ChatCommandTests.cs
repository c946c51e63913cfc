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
        var paths = new AicoPaths(fixture.Gateway.DataDirectory, Path.Combine(fixture.Gateway.DataDirectory, "run"));
        var info = GatewayProcess.DotnetStartInfo("aico.dll", paths, args);
        info.Environment["ASPNETCORE_URLS"] = fixture.Gateway.BaseAddress.ToString();
        return info;
    }

    [Fact]
    public async Task Aico_chat_prints_each_token_before_the_stand_in_has_written_the_next()
    {
        fixture.Ollama.DripTokens = 4;
        var before = fixture.Ollama.TokensWritten;
        using var cli = Process.Start(Cli("chat", "hello", "--model", FakeOllamaServer.GatedModel))!;
        var error = cli.StandardError.ReadToEndAsync();
        // stdout is read on its own thread, character by character, so each piece is seen the moment aico prints it.
        var output = System.Threading.Channels.Channel.CreateUnbounded<char>();
        var reader = new Thread(() =>
        {
            int c;
            while ((c = cli.StandardOutput.Read()) >= 0)
            {
                output.Writer.TryWrite((char)c);
            }

            output.Writer.TryComplete();
        }) { IsBackground = true };
        reader.Start();
        var printed = new StringBuilder();
        using var timeout = new CancellationTokenSource(GatewayProcess.Deadline);
        for (var i = 0; i < 4; i++)
        {
            var expected = string.Concat(Enumerable.Range(0, i + 1).Select(FakeOllamaServer.StreamToken));
            while (printed.ToString() != expected)
            {
                Assert.True(await output.Reader.WaitToReadAsync(timeout.Token), $"aico chat ended early: printed '{printed}', stderr: {await error}");
                while (output.Reader.TryRead(out var c))
                {
                    printed.Append(c);
                }
            }

            Assert.Equal(i + 1, fixture.Ollama.TokensWritten - before);
            fixture.Ollama.Gate.Release();
        }

        await foreach (var c in output.Reader.ReadAllAsync(timeout.Token))
        {
            printed.Append(c);
        }

        await cli.WaitForExitAsync(timeout.Token);
        Assert.True(cli.ExitCode == 0, await error);
        Assert.Equal("t0 t1 t2 t3 \n", printed.ToString());
    }

    [Fact]
    public async Task Aico_chat_json_prints_every_event_as_one_json_line()
    {
        fixture.Ollama.DripTokens = 3;
        fixture.Ollama.DripInterval = TimeSpan.FromMilliseconds(5);
        using var cli = Process.Start(Cli("chat", "hello", "--model", FakeOllamaServer.DripModel, "--json"))!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(GatewayProcess.Deadline);

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
        await cli.WaitForExitAsync().WaitAsync(GatewayProcess.Deadline);

        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("the gateway is not reachable at", error);
        Assert.Contains("aico gateway start", error);
    }
}

