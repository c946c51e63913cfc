using System.Diagnostics;

namespace AICO.LogStore.Tests;

/// <summary>Runs a system command a root-only test needs (mount, losetup, mkfs) and fails the test with its stderr when it fails.</summary>
internal static class RootCommand
{
    public static string Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed: {error}");
        return output.GetAwaiter().GetResult().Trim();
    }

    /// <summary>The same, for clean-up: a failure is returned, not thrown, so the rest of the clean-up still runs.</summary>
    public static string? TryRun(string command, params string[] args)
    {
        try
        {
            Run(command, args);
            return null;
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException or System.ComponentModel.Win32Exception)
        {
            return ex.Message;
        }
    }
}
