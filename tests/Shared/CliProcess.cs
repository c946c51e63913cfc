using System.Diagnostics;
using System.Text;

namespace AICO.TestSupport;

/// <summary>
/// The built `aico` CLI (aico.dll next to the test assembly) run as its own process, as a user runs it:
/// output captured line by line, stopped with SIGINT like Ctrl-C in a terminal.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "aico.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var cli = new CliProcess(Process.Start(info)!);
        cli.Process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        cli.Process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        cli.Process.BeginOutputReadLine();
        cli.Process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>What Ctrl-C in a terminal sends; .NET has no API to send a signal other than SIGKILL.</summary>
    public void SendSigint()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-INT", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.Append(line).Append('\n');
            }
        }
    }
}
