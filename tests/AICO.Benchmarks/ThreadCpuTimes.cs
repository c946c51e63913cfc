using System.Globalization;

namespace AICO.Benchmarks;

/// <summary>
/// CPU time of each thread of a process by thread name (Linux /proc/PID/task/*/schedstat: nanoseconds on a core and
/// waiting in the run queue for one): where the cores went during a measured run. Threads of one name (the thread
/// pool's workers) are summed; a thread that started during the run counts whole, one that ended is missing.
/// </summary>
internal sealed class ThreadCpuTimes
{
    private readonly Dictionary<int, (string Name, long OnCpu, long RunQueue)> _threads;

    private ThreadCpuTimes(Dictionary<int, (string Name, long OnCpu, long RunQueue)> threads) => _threads = threads;

    /// <summary>No thread: what a snapshot is compared with to get each thread's whole CPU time.</summary>
    public static ThreadCpuTimes None { get; } = new([]);

    /// <summary>A snapshot of this process's threads, or of process <paramref name="pid"/>'s.</summary>
    public static ThreadCpuTimes Take(int? pid = null)
    {
        var threads = new Dictionary<int, (string Name, long OnCpu, long RunQueue)>();
        var tasks = $"/proc/{pid?.ToString(CultureInfo.InvariantCulture) ?? "self"}/task";
        if (!Directory.Exists(tasks))
        {
            return new ThreadCpuTimes(threads);
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                // schedstat: time on a core (ns), time runnable but waiting for a core (ns), time slices (man 5 proc).
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    (name, long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return new ThreadCpuTimes(threads);
    }

    /// <summary>CPU seconds per thread name between <paramref name="before"/> and this snapshot, largest first.</summary>
    public IReadOnlyList<(string Name, double Seconds)> Since(ThreadCpuTimes before) =>
        [.. Detailed(before).Select(t => (t.Name, t.OnCpu))];

    /// <summary>Seconds on a core and seconds waiting for one, per thread name, since <paramref name="before"/>, largest first.</summary>
    public IReadOnlyList<(string Name, double OnCpu, double RunQueue)> Detailed(ThreadCpuTimes before) =>
        [.. _threads
            .Select(t => before._threads.TryGetValue(t.Key, out var b) && b.Name == t.Value.Name
                ? (t.Value.Name, OnCpu: t.Value.OnCpu - b.OnCpu, RunQueue: t.Value.RunQueue - b.RunQueue)
                : (t.Value.Name, t.Value.OnCpu, t.Value.RunQueue))
            .GroupBy(t => t.Name)
            .Select(g => (g.Key, g.Sum(t => t.OnCpu) / 1e9, g.Sum(t => t.RunQueue) / 1e9))
            .Where(t => t.Item2 > 0)
            .OrderByDescending(t => t.Item2)];
}
