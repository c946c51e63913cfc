using System.Globalization;

namespace AICO.Benchmarks;

/// <summary>
/// CPU time of each thread of a process by thread name (Linux /proc/PID/task/*: schedstat, nanoseconds on a core and
/// waiting in the run queue for one; status, how often it gave up its core (blocked: a wait, I/O) and how often it was
/// preempted): where the cores went during a measured run. Threads of one name (the thread pool's workers) are summed;
/// a thread that started during the run counts whole, one that ended is missing.
/// </summary>
internal sealed class ThreadCpuTimes
{
    private readonly Dictionary<int, ThreadTimes> _threads;

    private ThreadCpuTimes(Dictionary<int, ThreadTimes> threads) => _threads = threads;

    /// <summary>No thread: what a snapshot is compared with to get each thread's whole CPU time.</summary>
    public static ThreadCpuTimes None { get; } = new([]);

    /// <summary>A snapshot of this process's threads, or of process <paramref name="pid"/>'s.</summary>
    public static ThreadCpuTimes Take(int? pid = null)
    {
        var threads = new Dictionary<int, ThreadTimes>();
        var tasks = $"/proc/{pid?.ToString(CultureInfo.InvariantCulture) ?? "self"}/task";
        if (!Directory.Exists(tasks))
        {
            return new ThreadCpuTimes(threads);
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    Read(task, File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'));
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // The thread ended meanwhile.
            }
        }

        return new ThreadCpuTimes(threads);
    }

    /// <summary>The calling thread's times so far (Linux; zero elsewhere).</summary>
    public static ThreadTimes Current() => Directory.Exists("/proc/thread-self") ? Read("/proc/thread-self", "") : default;

    private static ThreadTimes Read(string task, string name)
    {
        // schedstat: time on a core (ns), time runnable but waiting for a core (ns), time slices (man 5 proc).
        var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
        var status = File.ReadAllLines(Path.Combine(task, "status"));
        long Switches(string key) => long.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal))[(key.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return new ThreadTimes(name, long.Parse(fields[0], CultureInfo.InvariantCulture) / 1e9, long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e9,
            Switches("voluntary_ctxt_switches:"), Switches("nonvoluntary_ctxt_switches:"));
    }

    /// <summary>CPU seconds per thread name between <paramref name="before"/> and this snapshot, largest first.</summary>
    public IReadOnlyList<(string Name, double Seconds)> Since(ThreadCpuTimes before) =>
        [.. Detailed(before).Select(t => (t.Name, t.OnCpu))];

    /// <summary>Per thread name since <paramref name="before"/>, most time on a core first.</summary>
    public IReadOnlyList<ThreadTimes> Detailed(ThreadCpuTimes before) =>
        [.. _threads
            .Select(t => before._threads.TryGetValue(t.Key, out var b) && b.Name == t.Value.Name ? t.Value.Minus(b) : t.Value)
            .GroupBy(t => t.Name)
            .Select(g => new ThreadTimes(g.Key, g.Sum(t => t.OnCpu), g.Sum(t => t.RunQueue), g.Sum(t => t.Blocks), g.Sum(t => t.Preemptions)))
            .Where(t => t.OnCpu > 0)
            .OrderByDescending(t => t.OnCpu)];
}

/// <summary>Seconds on a core and waiting for one; times the thread blocked (gave up its core) and was preempted.</summary>
internal readonly record struct ThreadTimes(string Name, double OnCpu, double RunQueue, long Blocks, long Preemptions)
{
    public ThreadTimes Minus(ThreadTimes before) => new(Name, OnCpu - before.OnCpu, RunQueue - before.RunQueue, Blocks - before.Blocks, Preemptions - before.Preemptions);

    /// <summary>Where the thread's time went over <paramref name="elapsed"/>, as the pipeline rounds report their writer's.</summary>
    public string Shares(TimeSpan elapsed) =>
        $"on a core {OnCpu / elapsed.TotalSeconds:P0} and waiting for one {RunQueue / elapsed.TotalSeconds:P1} of the round, neither {1 - (OnCpu + RunQueue) / elapsed.TotalSeconds:P1}, {Blocks} blocks and {Preemptions} preemptions";
}
