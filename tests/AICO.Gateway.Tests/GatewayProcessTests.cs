using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using AICO.Gateway.Auth;
using AICO.Security;

namespace AICO.Gateway.Tests;

/// <summary>The gateway as a real process: console encoding, shutdown by file, and `aico gateway stop`.</summary>
public class GatewayProcessTests
{
    [Fact]
    public async Task Under_LANG_C_the_console_is_plain_ASCII_and_tokens_are_not_logged()
    {
        var paths = GatewayProcess.NewInstallation("-d\u00e9j\u00e0-\u65e5\u672c");
        await using var gateway = await GatewayProcess.StartAsync(paths, info =>
        {
            info.Environment["LANG"] = "C";
            info.Environment["LC_ALL"] = "C";
            info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        });
        var address = await gateway.ListeningAddressAsync();
        var token = new GatewayTokenIssuer(new MasterKeyStore(paths).LoadDerivation().JwtSigningKey()).Issue("t\u00fcster", GatewayRoles.Admin, TimeSpan.FromMinutes(5));
        using (var http = new HttpClient { BaseAddress = address })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.GetAsync("/api/v1/admin/bus?caf\u00e9=1");
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await File.WriteAllTextAsync(gateway.Files.ShutdownFile, "");
        Assert.Equal(0, await gateway.WaitForExitAsync());

        var bytes = gateway.StdoutBytes;
        Assert.All(bytes, b => Assert.True(b < 0x80, $"non-ASCII byte 0x{b:x2} on the console"));
        Assert.Contains("d\\u00e9j\\u00e0-\\u65e5\\u672c", gateway.Stdout);
        Assert.DoesNotContain(token, gateway.Stdout);
        Assert.DoesNotContain(token.Split('.')[2], gateway.Stdout);
    }

    [Fact]
    public async Task The_shutdown_file_stops_the_gateway_gracefully_and_both_files_are_removed()
    {
        await using var gateway = await GatewayProcess.StartAsync(GatewayProcess.NewInstallation());
        Assert.Equal(gateway.Process.Id.ToString(), (await File.ReadAllTextAsync(gateway.Files.PidFile)).Trim());

        await File.WriteAllTextAsync(gateway.Files.ShutdownFile, "");

        Assert.Equal(0, await gateway.WaitForExitAsync());
        Assert.False(File.Exists(gateway.Files.PidFile), "pid file left behind");
        Assert.False(File.Exists(gateway.Files.ShutdownFile), "shutdown file not deleted");
        Assert.Contains("Shutdown requested by", gateway.Stdout);
        Assert.Contains("Application is shutting down", gateway.Stdout);
    }

    [Fact]
    public async Task Aico_gateway_stop_stops_a_standalone_gateway_through_the_shutdown_file()
    {
        var paths = GatewayProcess.NewInstallation();
        await using var gateway = await GatewayProcess.StartAsync(paths);

        using var stop = Process.Start(GatewayProcess.DotnetStartInfo("aico.dll", paths, "gateway", "stop"))!;
        var output = await stop.StandardOutput.ReadToEndAsync();
        await stop.WaitForExitAsync().WaitAsync(GatewayProcess.Deadline);

        Assert.Equal(0, stop.ExitCode);
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
        await using var gateway = await GatewayProcess.StartAsync(paths, info => info.Environment["Gateway__ShutdownPollInterval"] = "01:00:00");

        using var stop = Process.Start(GatewayProcess.DotnetStartInfo("aico.dll", paths, "gateway", "stop", "--timeout", "1"))!;
        var output = await stop.StandardOutput.ReadToEndAsync();
        await stop.WaitForExitAsync().WaitAsync(GatewayProcess.Deadline);

        Assert.Equal(0, stop.ExitCode);
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

        var status = await RunCliAsync(paths, 0, info => info.Environment["ASPNETCORE_URLS"] = address.ToString(), "gateway", "status", "--json");
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
            var started = await RunCliAsync(paths, 0, info => info.Environment["ASPNETCORE_URLS"] = url, "gateway", "start", "--detach");
            Assert.Contains("started in the background", started);
            var pid = new AICO.Gateway.Lifecycle.GatewayRuntimeFiles(paths.RuntimeDirectory).ReadPid();
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
            if (new AICO.Gateway.Lifecycle.GatewayRuntimeFiles(paths.RuntimeDirectory).ReadPid() is { } left)
            {
                try { Process.GetProcessById(left).Kill(); } catch (ArgumentException) { }
            }

            Directory.Delete(paths.DataDirectory, recursive: true);
        }
    }

    private static Task<string> RunCliAsync(AicoPaths paths, int expectedExit, params string[] args) => RunCliAsync(paths, expectedExit, null, args);

    private static async Task<string> RunCliAsync(AicoPaths paths, int expectedExit, Action<ProcessStartInfo>? configure, params string[] args)
    {
        var info = GatewayProcess.DotnetStartInfo("aico.dll", paths, args);
        configure?.Invoke(info);
        using var cli = Process.Start(info)!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(GatewayProcess.Deadline);
        Assert.True(expectedExit == cli.ExitCode, $"aico {string.Join(' ', args)} exited {cli.ExitCode}: {await error}");
        return await output;
    }
}
