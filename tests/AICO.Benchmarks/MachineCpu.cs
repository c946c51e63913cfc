using System.Globalization;

namespace AICO.Benchmarks;

/// <summary>
/// CPU time of the whole machine (Linux /proc/stat, all cores, clock ticks of 10 ms): busy (user, nice, system, irq,
/// softirq) and stolen by the hypervisor. Beside a benchmark's own processes it shows what else ran during a round.
/// </summary>
internal readonly record struct MachineCpu(double Busy, double Steal)
{
    public static MachineCpu Take()
    {
        if (!File.Exists("/proc/stat"))
        {
            return default;
        }

        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (man 5 proc)
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new MachineCpu((fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / 100.0, fields[7] / 100.0);
    }

    /// <summary>Seconds of CPU since <paramref name="before"/>.</summary>
    public MachineCpu Since(MachineCpu before) => new(Busy - before.Busy, Steal - before.Steal);
}
