using System.Diagnostics;
using AICO.Gateway.Lifecycle;
using AICO.Security;

namespace AICO.TestSupport;

/// <summary>
/// The real gateway as a separate process (`dotnet AICO.Gateway.dll` from its build output) over its own throwaway
/// key store, listening on an ephemeral port. The test project references AICO.Gateway (build order only).
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private GatewayProcess(TestProcess process, AicoPaths paths)
    {
        Running = process;
        Paths = paths;
        Files = GatewayRuntimeFiles.For(paths);
    }

    public TestProcess Running { get; }
    public Process Process => Running.Process;
    public AicoPaths Paths { get; }
    public GatewayRuntimeFiles Files { get; }
    public string Stdout => Running.Stdout;
    public byte[] StdoutBytes => Running.StdoutBytes;

    public static AicoPaths NewInstallation(string nameSuffix = "")
    {
        var data = Path.Combine(Path.GetTempPath(), "aico-gwp-" + Guid.NewGuid().ToString("N")[..8] + nameSuffix);
        var paths = new AicoPaths(data, Path.Combine(data, "run"));
        new MasterKeyStore(paths).Create(force: false);
        return paths;
    }

    /// <summary>What a process of this installation gets: its data and runtime directories, an ephemeral port, Production.</summary>
    public static Dictionary<string, string> Environment(AicoPaths paths) => new()
    {
        [AicoPaths.DataDirVariable] = paths.DataDirectory,
        [AicoPaths.RuntimeDirVariable] = paths.RuntimeDirectory,
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    };

    public static async Task<GatewayProcess> StartAsync(AicoPaths paths, Action<ProcessStartInfo>? configure = null)
    {
        var info = TestProcess.DotnetStartInfo(TestProcess.Built("services", "AICO.Gateway"), [], Environment(paths));
        configure?.Invoke(info);
        var gateway = new GatewayProcess(TestProcess.Start(info), paths);
        await Eventually.TrueAsync(() => File.Exists(gateway.Files.PidFile) || gateway.Process.HasExited, "the gateway wrote its pid file", TestProcess.Deadline);
        Assert.False(gateway.Process.HasExited, "the gateway exited during start: " + gateway.Running.Output);
        return gateway;
    }

    /// <summary>The address Kestrel reports it listens on ("Now listening on: ...").</summary>
    public async Task<Uri> ListeningAddressAsync()
    {
        const string marker = "Now listening on: ";
        await Eventually.TrueAsync(() => Stdout.Contains(marker), "the gateway listens", TestProcess.Deadline);
        var line = Stdout[(Stdout.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split('\n')[0].Trim();
        return new Uri(line);
    }

    public Task<int> WaitForExitAsync() => Running.WaitForExitAsync();

    public async ValueTask DisposeAsync()
    {
        await Running.DisposeAsync();
        if (Directory.Exists(Paths.DataDirectory))
        {
            Directory.Delete(Paths.DataDirectory, recursive: true);
        }
    }
}
