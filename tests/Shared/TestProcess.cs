using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AICO.TestSupport;

/// <summary>
/// A process a test started from this repository's build output (`dotnet X.dll`, as a user or the AppHost runs it):
/// stdout kept as raw bytes (tests check the console encoding), stderr as text, stopped with SIGINT like Ctrl-C in a
/// terminal or killed with its process tree. Dispose kills what is still running.
/// </summary>
internal sealed class TestProcess : IDisposable, IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly MemoryStream _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumps;

    private TestProcess(Process process)
    {
        Process = process;
        _pumps = Task.WhenAll(PumpBytes(process.StandardOutput.BaseStream), PumpText(process.StandardError));
    }

    public Process Process { get; }

    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

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

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Both streams, for failure messages.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>The folder a project of this repository was built to, in the configuration these tests were built in.</summary>
    public static string BuildOutput(string folder, string project)
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = baseDirectory.Parent!.Name; // bin/<Configuration>/net10.0
        var root = baseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AICO.sln")))
        {
            root = root.Parent;
        }

        Assert.True(root is not null, "AICO.sln not found above the test output");
        return Path.Combine(root!.FullName, folder, project, "bin", configuration, "net10.0");
    }

    /// <summary>The built assembly of a project of this repository; the test project must reference it so it is built.</summary>
    public static string Built(string folder, string project, string? assembly = null)
    {
        var path = Path.Combine(BuildOutput(folder, project), (assembly ?? project) + ".dll");
        Assert.True(File.Exists(path), $"{path} is not built");
        return path;
    }

    /// <summary>The built `aico`, in its own output folder where `aico gateway start` finds the gateway.</summary>
    public static string Cli => Built("services", "AICO.Cli", "aico");

    private const string Env = "/usr/bin/env";

    public static ProcessStartInfo DotnetStartInfo(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // A test run started in the background of a non-interactive shell inherits SIGINT as ignored, and .NET keeps an
        // ignored SIGINT ignored: env (which execs, so the pid stays the child's) restores the default for Ctrl-C tests.
        var info = new ProcessStartInfo(Env)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    public static TestProcess Start(ProcessStartInfo info) => new(Process.Start(info)!);

    public static TestProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(DotnetStartInfo(dll, args, environment));

    /// <summary>`aico ARGS` as its own process.</summary>
    public static TestProcess StartCli(IReadOnlyDictionary<string, string> environment, params string[] args) => Start(Cli, args, environment);

    /// <summary>Runs `aico ARGS` to its end and asserts the exit code; returns stdout.</summary>
    public static async Task<string> RunCliAsync(IReadOnlyDictionary<string, string> environment, int expectedExit, params string[] args)
    {
        await using var cli = StartCli(environment, args);
        var exit = await cli.WaitForExitAsync();
        Assert.True(expectedExit == exit, $"aico {string.Join(' ', args)} exited {exit}: {cli.Stderr}");
        return cli.Stdout;
    }

    /// <summary>Waits for the exit and for all output; fails with the output when it takes longer than the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? Deadline;
        try
        {
            await Process.WaitForExitAsync().WaitAsync(limit);
            await _pumps.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"process {Process.Id} did not exit within {limit.TotalSeconds} s; output:\n{Output}");
        }

        return Process.ExitCode;
    }

    /// <summary>What Ctrl-C in a terminal sends; .NET has no API to send a signal other than SIGKILL.</summary>
    public void SendSigint()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-INT", Process.Id.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Kills the process and its children (kill -9), if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PumpBytes(Stream from)
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            lock (_stdout)
            {
                _stdout.Write(buffer, 0, read);
            }
        }
    }

    private async Task PumpText(StreamReader from)
    {
        var buffer = new char[1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, read);
            }
        }
    }
}
