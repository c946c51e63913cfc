namespace AICO.IntegrationTests;

/// <summary>What the dashboard shows of a resource (read from its snapshot), and the service process Aspire runs for it.</summary>
internal static class ResourceSnapshots
{
    public static string? Property(CustomResourceSnapshot snapshot, string name) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value?.ToString();

    /// <summary>The process Aspire runs for the resource (for a project, its `dotnet run` wrapper); null before it runs.</summary>
    public static int? Pid(CustomResourceSnapshot snapshot) =>
        int.TryParse(Property(snapshot, "executable.pid"), out var pid) && pid > 0 ? pid : null;

    /// <summary>The service's own process: the child of Aspire's `dotnet run` wrapper that runs the project; null while there is none.</summary>
    public static int? ServiceProcessUnder(int? wrapper)
    {
        if (wrapper is null)
        {
            return null;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (parent == wrapper && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("AICO.", StringComparison.OrdinalIgnoreCase))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return null;
    }
}
