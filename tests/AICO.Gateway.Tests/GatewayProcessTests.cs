using System.Net;
using System.Net.Http.Headers;
using AICO.Gateway.Auth;
using AICO.Security;

namespace AICO.Gateway.Tests;

/// <summary>The gateway as a real process: console encoding and shutdown by file.</summary>
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
}
