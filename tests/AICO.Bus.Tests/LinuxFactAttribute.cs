namespace AICO.Bus.Tests;

/// <summary>A fact about Linux scheduling; skipped with the reason elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: it checks a thread's scheduling policy (SCHED_IDLE), which other systems do not have";
        }
    }
}
