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
    public async Task Aico_chat_prints_each_token_on_stdout_before_the_stand_in_has_written_the_next()
    {
        const int tokens = 3;
        fixture.Ollama.DripTokens = tokens;
        var before = fixture.Ollama.TokensWritten;
        using var cli = Process.Start(Cli("chat", "hello", "--model", FakeOllamaServer.GatedModel))!;
        var stdout = cli.StandardOutput.BaseStream;
        var released = 0;
        try
        {
            for (var i = 0; i < tokens; i++)
            {
                // The gated stand-in writes token i+1 only once released: stdout must show token i while it waits.
                await ReadExactlyAsync(stdout, FakeOllamaServer.StreamToken(i)).WaitAsync(TestProcess.Deadline);
                Assert.Equal(i + 1, fixture.Ollama.TokensWritten - before);
                if (i + 1 < tokens)
                {
                    fixture.Ollama.Gate.Release();
                    released++;
                }
            }
        }
        finally
        {
            if (released < tokens - 1)
            {
                fixture.Ollama.Gate.Release(tokens - 1 - released);
            }
        }

        var rest = await new StreamReader(stdout).ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TestProcess.Deadline);
        Assert.True(cli.ExitCode == 0, await cli.StandardError.ReadToEndAsync());
        Assert.Equal("\n", rest);
    }

    /// <summary>Reads raw bytes (nothing buffers on this side) until <paramref name="expected"/> has arrived; fails on anything else.</summary>
    private static async Task ReadExactlyAsync(Stream stream, string expected)
    {
        var buffer = new byte[Encoding.ASCII.GetByteCount(expected)];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read));
            Assert.True(n > 0, $"stdout ended after '{Encoding.ASCII.GetString(buffer, 0, read)}', expected '{expected}'");
            read += n;
        }

        Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
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

