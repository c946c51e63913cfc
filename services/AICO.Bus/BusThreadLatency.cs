using System.Globalization;
using System.Runtime.InteropServices;

namespace AICO.Bus;

/// <summary>
/// Asks Linux (EEVDF, 6.12 and later) for a short time slice on the threads every bus frame passes through: the socket
/// threads of clients and broker and NetMQ's I/O threads. Each does a few microseconds of work per frame; when both
/// cores are busy (a model writing flat out, a local model computing) a thread that wakes with the default slice waits
/// for the running one's slice to end, at every hop. A short slice gives it an earlier deadline, so it runs at once;
/// its share of the CPU is unchanged. Needs no privilege; older kernels ignore it.
/// </summary>
internal static class BusThreadLatency
{
    /// <summary>The shortest slice Linux accepts.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromMicroseconds(100);

    /// <summary>Thread names NetMQ 4 gives its I/O threads.</summary>
    private const string NetMQIoThreadPrefix = "iothread-";

    private const int SchedOther = 0;

    private static int _netMQThreadsDone;

    /// <summary>For the calling thread (a client's or the broker's socket thread).</summary>
    public static void ForThisThread()
    {
        if (Supported)
        {
            SetSlice(gettid());
        }
    }

    /// <summary>For NetMQ's I/O threads, once they exist (NetMQ starts them with the process's first socket).</summary>
    public static void ForNetMQThreads()
    {
        if (!Supported || Volatile.Read(ref _netMQThreadsDone) == 1)
        {
            return;
        }

        var found = false;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(NetMQIoThreadPrefix, StringComparison.Ordinal))
                {
                    SetSlice(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture));
                    found = true;
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        if (found)
        {
            Volatile.Write(ref _netMQThreadsDone, 1);
        }
    }

    private static bool Supported => OperatingSystem.IsLinux() && SchedSetattr != 0;

    /// <summary>The sched_setattr system call number (no libc wrapper exists).</summary>
    private static long SchedSetattr => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 314,
        Architecture.Arm64 => 274,
        _ => 0,
    };

    private static void SetSlice(int tid)
    {
        var attr = new SchedAttr { Size = (uint)Marshal.SizeOf<SchedAttr>(), Policy = SchedOther, Runtime = (ulong)(Slice.Ticks * 100) };
        _ = syscall(SchedSetattr, tid, ref attr, 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
        public uint UtilMin;
        public uint UtilMax;
    }

    [DllImport("libc")]
    private static extern long syscall(long number, int tid, ref SchedAttr attr, uint flags);

    [DllImport("libc")]
    private static extern int gettid();
}
