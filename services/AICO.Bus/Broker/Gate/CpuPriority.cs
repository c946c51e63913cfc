using System.Runtime.InteropServices;

namespace AICO.Bus;

/// <summary>Lowers the CPU priority of the calling thread (Linux only: .NET does not map ThreadPriority to anything there).</summary>
internal static class CpuPriority
{
    private const int PrioProcess = 0;
    private const int SchedIdle = 5;

    /// <summary>A nice value for this thread: a share of the CPU against normal threads (nice 5 is about a third).</summary>
    public static void SetNice(int nice)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = setpriority(PrioProcess, gettid(), nice);
        }
    }

    /// <summary>
    /// SCHED_IDLE: the thread runs only when no normal thread of this core wants to, and a normal thread that wakes takes
    /// the core from it at once (a nice value only shrinks its share; it may still finish its time slice first).
    /// </summary>
    public static void SetIdle()
    {
        if (OperatingSystem.IsLinux())
        {
            var param = 0;
            _ = sched_setscheduler(gettid(), SchedIdle, ref param);
        }
    }

    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc")]
    private static extern int setpriority(int which, int who, int priority);

    [DllImport("libc")]
    private static extern int sched_setscheduler(int pid, int policy, ref int param);
}
