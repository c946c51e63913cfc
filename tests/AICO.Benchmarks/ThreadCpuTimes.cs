namespace AICO.Benchmarks;

/// <summary>
/// CPU time of each thread of this process by thread name (Linux /proc/self/task/*/stat, clock ticks of 10 ms): where
/// the cores went during a measured run. Threads of one name (the thread pool's workers) are summed.
/// </summary>
internal sealed class ThreadCpuTimes
{
    private readonly Dictionary<int, (string Name, long Ticks)> _threads;

    private ThreadCpuTimes(Dictionary<int, (string Name, long Ticks)> threads) => _threads = threads;

    public static ThreadCpuTimes Take()
    {
        var threads = new Dictionary<int, (string Name, long Ticks)>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return new ThreadCpuTimes(threads);
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                // Fields after the name: state is index 0, utime 11, stime 12 (man 5 proc, counted from field 3).
                threads[int.Parse(Path.GetFileName(task))] = (stat[(open + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12]));
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
        [.. _threads
            .Select(t => (t.Value.Name, Ticks: t.Value.Ticks - (before._threads.TryGetValue(t.Key, out var b) && b.Name == t.Value.Name ? b.Ticks : 0)))
            .GroupBy(t => t.Name)
            .Select(g => (g.Key, g.Sum(t => t.Ticks) / 100.0))
            .Where(t => t.Item2 > 0)
            .OrderByDescending(t => t.Item2)];
}
