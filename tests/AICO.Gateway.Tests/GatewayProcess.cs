using System.Diagnostics;
using System.Text;
using AICO.Gateway.Lifecycle;
using AICO.Security;

namespace AICO.Gateway.Tests;

/// <summary>
/// The real gateway as a separate process (`dotnet AICO.Gateway.dll` from the CLI's build output, where
/// `aico gateway start` finds it), over its own throwaway key store, listening on an ephemeral port.
/// Stdout is captured as raw bytes so tests can check the console encoding.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly MemoryStream _stdout = new();
    private readonly Task _pump;

    private GatewayProcess(Process process, AicoPaths paths)
    {
        Process = process;
        Paths = paths;
        Files = GatewayRuntimeFiles.For(paths);
        _pump = Task.WhenAll(Pump(process.StandardOutput.BaseStream, _stdout), process.StandardError.ReadToEndAsync());
    }

    public Process Process { get; }
    public AicoPaths Paths { get; }
    public GatewayRuntimeFiles Files { get; }

    public static string CliDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name; // bin/<Configuration>/net10.0
            while (!File.Exists(Path.Combine(dir.FullName, "AICO.sln")))
            {
                dir = dir.Parent ?? throw new InvalidOperationException("AICO.sln not found above the test output");
            }

            return Path.Combine(dir.FullName, "services", "AICO.Cli", "bin", configuration, "net10.0");
        }
    }

    public static AicoPaths NewInstallation(string nameSuffix = "")
    {
        var data = Path.Combine(Path.GetTempPath(), "aico-gwp-" + Guid.NewGuid().ToString("N")[..8] + nameSuffix);
        var paths = new AicoPaths(data, Path.Combine(data, "run"));
        new MasterKeyStore(paths).Create(force: false);
        return paths;
    }

    public static ProcessStartInfo DotnetStartInfo(string dll, AicoPaths paths, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add(Path.Combine(CliDirectory, dll));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[AicoPaths.DataDirVariable] = paths.DataDirectory;
        info.Environment[AicoPaths.RuntimeDirVariable] = paths.RuntimeDirectory;
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        return info;
    }

    public static async Task<GatewayProcess> StartAsync(AicoPaths paths, Action<ProcessStartInfo>? configure = null)
    {
        var info = DotnetStartInfo("AICO.Gateway.dll", paths);
        configure?.Invoke(info);
        var gateway = new GatewayProcess(Process.Start(info)!, paths);
        await WaitForAsync(() => File.Exists(gateway.Files.PidFile) || gateway.Process.HasExited);
        Assert.False(gateway.Process.HasExited, "the gateway exited during start: " + gateway.Stdout);
        return gateway;
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return Encoding.Latin1.GetString(_stdout.ToArray());
            }
        }
    }

    public byte[] StdoutBytes
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToArray();
            }
        }
    }

    /// <summary>The address Kestrel reports it listens on ("Now listening on: ...").</summary>
    public async Task<Uri> ListeningAddressAsync()
    {
        const string marker = "Now listening on: ";
        await WaitForAsync(() => Stdout.Contains(marker));
        var line = Stdout[(Stdout.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split('\n')[0].Trim();
        return new Uri(line);
    }

    public async Task<int> WaitForExitAsync()
    {
        await Process.WaitForExitAsync().WaitAsync(Deadline);
        await _pump.WaitAsync(Deadline);
        return Process.ExitCode;
    }

    public static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, "condition not met within " + Deadline);
            await Task.Delay(50);
        }
    }

    private async Task Pump(Stream from, MemoryStream to)
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            lock (to)
            {
                to.Write(buffer, 0, read);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        if (Directory.Exists(Paths.DataDirectory))
        {
            Directory.Delete(Paths.DataDirectory, recursive: true);
        }
    }
}
