using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using AICO.Gateway.Lifecycle;
using AICO.Security;

namespace AICO.Cli.Tests;

/// <summary>`aico gateway ...` as its own process against the real gateway process, each over a throwaway key store.</summary>
public class GatewayCommandsTests
{
    [Fact]
    public async Task Aico_gateway_stop_stops_a_standalone_gateway_through_the_shutdown_file()
    {
        var paths = GatewayProcess.NewInstallation();
        await using var gateway = await GatewayProcess.StartAsync(paths);

        var output = await RunCliAsync(paths, 0, "gateway", "stop");

        Assert.Contains("stopped gracefully via the shutdown file", output);
        Assert.Equal(0, await gateway.WaitForExitAsync());
        Assert.Contains("Shutdown requested by", gateway.Stdout);
        Assert.False(File.Exists(gateway.Files.PidFile));
    }

    [Fact]
    public async Task Aico_gateway_stop_falls_back_to_SIGTERM_when_the_file_is_not_obeyed()
    {
        var paths = GatewayProcess.NewInstallation();
        // A polling interval far beyond the stop timeout: the file is never seen in time, so SIGTERM has to do it.
        await using var gateway = await GatewayProcess.StartAsync(paths, info => info.Environment["Gateway__ShutdownPollInterval"] = "00:01:00");

        var output = await RunCliAsync(paths, 0, "gateway", "stop", "--timeout", "1");

        Assert.Contains("stopped by SIGTERM", output);
        Assert.Equal(0, await gateway.WaitForExitAsync());
        Assert.False(File.Exists(gateway.Files.PidFile));
    }

    [Fact]
    public async Task Aico_gateway_token_issues_an_admin_token_the_running_gateway_accepts_and_status_reports_it()
    {
        var paths = GatewayProcess.NewInstallation();
        await using var gateway = await GatewayProcess.StartAsync(paths);
        var address = await gateway.ListeningAddressAsync();

        var token = await RunCliAsync(paths, 0, "gateway", "token", "--role", "admin", "--ttl", "10m");
        await RunCliAsync(paths, 2, "gateway", "token", "--ttl", "5x");
        await RunCliAsync(paths, 2, "gateway", "token", "--role", "root");
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        using var response = await http.GetAsync("/api/v1/admin/logs/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var status = await RunCliAtAsync(paths, address.ToString(), "gateway", "status", "--json");
        var json = System.Text.Json.JsonDocument.Parse(status).RootElement;
        Assert.True(json.GetProperty("running").GetBoolean());
        Assert.Equal(gateway.Process.Id, json.GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task Aico_gateway_start_detach_returns_once_healthy_and_stop_ends_it()
    {
        var paths = GatewayProcess.NewInstallation();
        // --detach must know where to poll, so it gets a concrete port: one the OS just handed out as free.
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var url = $"http://127.0.0.1:{port}";
        try
        {
            var started = await RunCliAtAsync(paths, url, "gateway", "start", "--detach");
            Assert.Contains("started in the background", started);
            var pid = new GatewayRuntimeFiles(paths.RuntimeDirectory).ReadPid();
            Assert.NotNull(pid);
            using (var http = new HttpClient())
            {
                using var health = await http.GetAsync(url + "/api/v1/health");
                Assert.Contains("\"checks\"", await health.Content.ReadAsStringAsync());
            }

            var stopped = await RunCliAsync(paths, 0, "gateway", "stop");
            Assert.Contains("stopped gracefully via the shutdown file", stopped);
            Assert.False(File.Exists(Path.Combine(paths.RuntimeDirectory, "gateway.pid")));
        }
        finally
        {
            if (new GatewayRuntimeFiles(paths.RuntimeDirectory).ReadPid() is { } left)
            {
                try { Process.GetProcessById(left).Kill(); } catch (ArgumentException) { }
            }

            Directory.Delete(paths.DataDirectory, recursive: true);
        }
    }

    private static Task<string> RunCliAsync(AicoPaths paths, int expectedExit, params string[] args) =>
        TestProcess.RunCliAsync(GatewayProcess.Environment(paths), expectedExit, args);

    private static Task<string> RunCliAtAsync(AicoPaths paths, string url, params string[] args)
    {
        var environment = GatewayProcess.Environment(paths);
        environment["ASPNETCORE_URLS"] = url;
        return TestProcess.RunCliAsync(environment, 0, args);
    }
}
