namespace AICO.Bus.Tests;

/// <summary>
/// The threads every bus frame passes through ask Linux for a short time slice, so that on a machine whose cores are
/// busy (a model writing flat out) each of them runs as soon as it wakes instead of after the running thread's slice
/// (README, chat-stream: a streamed answer's first token waited ~10 ms behind a flood without it).
/// </summary>
public class BusThreadLatencyTests
{
    [LinuxFact]
    public async Task The_broker_thread_each_client_socket_thread_and_NetMQs_io_threads_run_with_a_short_time_slice()
    {
        if (Environment.OSVersion.Version < new Version(6, 12) || !File.Exists("/proc/self/sched"))
        {
            return; // a slice per thread can be asked for from Linux 6.12 (EEVDF custom slices); /proc/self/sched shows it
        }

        await using var bus = new BusFixture();
        var client = bus.Client(AICO.Security.Components.Gateway);
        await client.WaitUntilAuthenticatedAsync(BusFixture.Timeout());

        var expected = ((long)BusThreadLatency.Slice.TotalMicroseconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(
            () =>
            {
                var slices = SlicesByThreadName();
                // Every bus thread of this process, whichever test started it; a thread another test has just started
                // may not have asked yet, so the whole picture is taken again until it holds.
                return new[] { "AICO.Bus broker", "AICO.Bus client", "iothread-" }
                    .All(name => slices.TryGetValue(name, out var s) && s.Count > 0 && s.All(slice => slice == expected));
            },
            "every bus thread asked for its slice");
    }

    /// <summary>/proc/self/task/*/sched's se.slice (ns) by thread name (comm is cut to 15 characters; I/O threads by prefix).</summary>
    private static Dictionary<string, List<string>> SlicesByThreadName()
    {
        var slices = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                name = name.StartsWith("iothread-", StringComparison.Ordinal) ? "iothread-" : name;
                var slice = File.ReadLines(Path.Combine(task, "sched")).FirstOrDefault(l => l.StartsWith("se.slice", StringComparison.Ordinal))?.Split(':')[1].Trim();
                if (slice is null)
                {
                    continue; // not a fair-class thread (the gate's accept thread is SCHED_IDLE)
                }

                (slices.TryGetValue(name, out var list) ? list : slices[name] = []).Add(slice);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return slices;
    }
}
