using System.Diagnostics;

namespace AICO.Bus.Tests;

/// <summary>
/// The published Noise test vectors of flynn/noise, fetched at test time by fetch-noise-vectors.sh into the
/// git-ignored .native folder (docs/decisions.md, issue 8). Each vector is a map of the file's key=value lines.
/// </summary>
internal static class PublishedNoiseVectors
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> For(string protocolName) =>
        Parse(File.ReadAllLines(Fetch())).Where(v => v.TryGetValue("handshake", out var name) && name == protocolName).ToList();

    public static byte[] Hex(IReadOnlyDictionary<string, string> vector, string key) =>
        vector.TryGetValue(key, out var hex) ? Convert.FromHexString(hex) : [];

    private static string Fetch()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(root, "tests", "AICO.Bus.Tests", "NoiseVectors", "fetch-noise-vectors.sh"));
        start.ArgumentList.Add(Path.Combine(root, ".native", "noise-vectors"));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "could not obtain the published Noise test vectors: " + stderr.Result);
        return stdout.Result.Trim();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AICO.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AICO.sln not found above " + AppContext.BaseDirectory);
    }

    private static List<Dictionary<string, string>> Parse(string[] lines)
    {
        var vectors = new List<Dictionary<string, string>>();
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Append(""))
        {
            var equals = line.IndexOf('=');
            if (equals > 0)
            {
                current[line[..equals]] = line[(equals + 1)..];
            }
            else if (current.Count > 0)
            {
                vectors.Add(current);
                current = new Dictionary<string, string>(StringComparer.Ordinal);
            }
        }

        return vectors;
    }
}
