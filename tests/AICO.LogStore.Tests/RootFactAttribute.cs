namespace AICO.LogStore.Tests;

/// <summary>A test that needs root (it mounts file systems); skipped with the reason when not run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    private readonly bool _needsLoopDevices;

    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "needs root on Linux: it mounts a small file system (tmpfs, or ext2 on a loop device) for the data directory (run the suite as root, as CI does)";
        }
    }

    /// <summary>The test also needs loop devices (/dev/loop-control), which some containers do not have.</summary>
    public bool NeedsLoopDevices
    {
        get => _needsLoopDevices;
        init
        {
            _needsLoopDevices = value;
            if (value && Skip is null && !File.Exists("/dev/loop-control"))
            {
                Skip = "needs loop devices (/dev/loop-control is missing): it puts the data directory on a loop device it can make fail";
            }
        }
    }
}
