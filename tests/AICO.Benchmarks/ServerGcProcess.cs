using System.Diagnostics;
using System.Runtime;

namespace AICO.Benchmarks;

/// <summary>
/// Runs a benchmark again in a child process with Server GC, the collector of every host that logs into the pipeline
/// (gateway, model service, broker and log consumer use the Web SDK, which turns it on). This console process keeps
/// workstation GC for the benchmarks that measure inside it (logging-call's BenchmarkDotNet runs in process). The child
/// inherits the console, so its output and exit code are the run's.
/// </summary>
internal static class ServerGcProcess
{
    private const string Variable = "DOTNET_gcServer";

    /// <summary>True in a process without Server GC that was not itself started for it (no loop if the runtime ignores the setting).</summary>
    public static bool Needed => !GCSettings.IsServerGC && Environment.GetEnvironmentVariable(Variable) is null;

    public static async Task<int> RunAsync(string benchmark, string[] args)
    {
        var info = new ProcessStartInfo(ServiceHostProcess.DotnetHost) { UseShellExecute = false };
        info.ArgumentList.Add(typeof(ServerGcProcess).Assembly.Location);
        info.ArgumentList.Add(benchmark);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[Variable] = "1";
        using var child = Process.Start(info) ?? throw new InvalidOperationException("the Server GC child process did not start");
        Console.WriteLine($"{benchmark}: runs in pid {child.Id} with Server GC, as the hosts that log");
        await child.WaitForExitAsync();
        return child.ExitCode;
    }
}
