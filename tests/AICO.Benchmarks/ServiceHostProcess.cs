using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace AICO.Benchmarks;

/// <summary>
/// A service host of this repository started as its own process, as a user runs it standalone (`dotnet AICO.X.dll`,
/// production environment, its runtimeconfig's GC settings): output kept (the tail, for failure messages), stopped
/// with SIGTERM like a service manager, killed by its pid if it does not stop. Killed also when this process exits or
/// is stopped by SIGTERM, SIGINT or SIGHUP (a run cut short leaves no host behind).
/// </summary>
internal sealed class ServiceHostProcess : IAsyncDisposable
{
    private const int OutputKept = 64 * 1024;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private static readonly Lock Running = new();
    private static readonly HashSet<ServiceHostProcess> Started = [];
    private static PosixSignalRegistration[]? _signals;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _pumps;

    private ServiceHostProcess(string project, Process process)
    {
        Project = project;
        _process = process;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
        lock (Running)
        {
            Started.Add(this);
            if (_signals is null)
            {
                // Not cancelled: the default handling (this process ends) follows.
                _signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, _ => KillAll()))];
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    public string Project { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The dotnet host that runs this process (set by the SDK under `dotnet run`), else the one on PATH.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The built host of services/<paramref name="project"/> (same configuration as this benchmark) with <paramref name="environment"/>.</summary>
    public static ServiceHostProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepositoryRoot(), "services", project, "bin", BuildConfiguration(), "net10.0", project + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built (build tests/AICO.Benchmarks, which builds it)", dll);
        }

        var info = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.Environment["DOTNET_ENVIRONMENT"] = info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new ServiceHostProcess(project, Process.Start(info) ?? throw new InvalidOperationException($"{project} did not start"));
    }

    /// <summary>Waits until the host printed <paramref name="text"/>; fails with its output if it exits or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Project} (pid {Pid}) did not print '{text}'{(_process.HasExited ? $", exited {_process.ExitCode}" : "")}; output:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>CPU seconds the process used so far (user + system, /proc/PID/stat, clock ticks of 10 ms; threads that ended included).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        lock (Running)
        {
            Started.Remove(this);
        }

        if (!_process.HasExited)
        {
            _ = SendSignal(Pid, SigTerm);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"{Project} (pid {Pid}) did not stop within {StopTimeout.TotalSeconds} s of SIGTERM: killed");
            }
        }

        Kill();
        await _pumps.WaitAsync(StopTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
    }

    private static void KillAll()
    {
        ServiceHostProcess[] started;
        lock (Running)
        {
            started = [.. Started];
        }

        foreach (var host in started)
        {
            host.Kill();
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task Pump(StreamReader from)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                _output.Append(buffer, 0, read);
                if (_output.Length > 2 * OutputKept)
                {
                    _output.Remove(0, _output.Length - OutputKept);
                }
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AICO.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"AICO.sln not found above {AppContext.BaseDirectory}");
    }

    // bin/<Configuration>/net10.0: the hosts are built in the benchmark's configuration (project references).
    private static string BuildConfiguration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
