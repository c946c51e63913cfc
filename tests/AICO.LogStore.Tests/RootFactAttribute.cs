namespace AICO.LogStore.Tests;

/// <summary>A test that needs root (it mounts file systems); skipped with the reason when not run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "needs root on Linux: it mounts a small tmpfs for the data directory (run the suite as root, as CI does)";
        }
    }
}
