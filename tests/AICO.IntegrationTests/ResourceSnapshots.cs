namespace AICO.IntegrationTests;

/// <summary>What the dashboard shows of a resource, read from its snapshot.</summary>
internal static class ResourceSnapshots
{
    public static string? Property(CustomResourceSnapshot snapshot, string name) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value?.ToString();

    /// <summary>The process Aspire runs for the resource (for a project, its `dotnet run` wrapper); null before it runs.</summary>
    public static int? Pid(CustomResourceSnapshot snapshot) =>
        int.TryParse(Property(snapshot, "executable.pid"), out var pid) && pid > 0 ? pid : null;
}
