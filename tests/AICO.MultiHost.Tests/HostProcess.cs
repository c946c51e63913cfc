using System.Diagnostics;
using System.Text;

namespace AICO.MultiHost.Tests;

/// <summary>One AICO host (`dotnet AICO.X.dll` from its build output) running inside a network namespace, output kept for diagnostics.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private HostProcess(string name, Process process)
    {
        Name = name;
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public Process Process { get; }

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

    /// <summary>Starts services/<paramref name="project"/>'s built dll in <paramref name="ns"/> with exactly the given settings.</summary>
    public static HostProcess Start(NetworkNamespace ns, string project, IReadOnlyDictionary<string, string> environment)
    {
        var info = ns.StartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Path.Combine(BuildOutput(project), project + ".dll"));
        info.WorkingDirectory = BuildOutput(project);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new HostProcess($"{project} in {ns.Name}", Process.Start(info)!);
    }

    /// <summary>services/X/bin/&lt;Configuration&gt;/net10.0, the configuration this test was built in.</summary>
    public static string BuildOutput(string project)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = dir.Parent!.Name;
        while (!File.Exists(Path.Combine(dir.FullName, "AICO.sln")))
        {
            dir = dir.Parent ?? throw new InvalidOperationException("AICO.sln not found above the test output");
        }

        return Path.Combine(dir.FullName, "services", project, "bin", configuration, "net10.0");
    }

    public void Dispose()
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
            // Exited between the check and the kill.
        }

        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
