using Microsoft.Extensions.Logging;

namespace AICO.Bus;

/// <summary>
/// Every refusal the broker makes (at the gate or in the engine), counted by reason and logged at most once per reason
/// per second: the first one at once, the rest as one line with their count. A flood costs a few log lines, not one each.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider? time = null)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Count(string reason, string detail)
    {
        var now = _time.GetUtcNow();
        string? line = null;
        lock (_entries)
        {
            if (!_entries.TryGetValue(reason, out var entry))
            {
                entry = new Entry();
                _entries[reason] = entry;
            }

            entry.Total++;
            entry.LastDetail = detail;
            if (now - entry.LastLogged >= Interval)
            {
                line = Line(reason, entry, detail);
                entry.LastLogged = now;
                entry.Unlogged = 0;
            }
            else
            {
                entry.Unlogged++;
            }
        }

        if (line is not null)
        {
            logger.LogWarning("bus: {Refusal}", line);
        }

        BusTelemetry.Denials.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason(reason));
    }

    /// <summary>Writes the counts held back for reasons whose second has passed (called by the broker's timer).</summary>
    public void Flush()
    {
        var now = _time.GetUtcNow();
        List<string>? lines = null;
        lock (_entries)
        {
            foreach (var (reason, entry) in _entries)
            {
                if (entry.Unlogged > 0 && now - entry.LastLogged >= Interval)
                {
                    (lines ??= []).Add($"{entry.Unlogged} more refusal(s) '{reason}' in the last {(now - entry.LastLogged).TotalSeconds:0.#}s (last: {entry.LastDetail})");
                    entry.LastLogged = now;
                    entry.Unlogged = 0;
                }
            }
        }

        foreach (var line in lines ?? [])
        {
            logger.LogWarning("bus: {Refusal}", line);
        }
    }

    public Dictionary<string, long> Snapshot()
    {
        lock (_entries)
        {
            return _entries.ToDictionary(kv => kv.Key, kv => kv.Value.Total, StringComparer.Ordinal);
        }
    }

    public long Total
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Sum(e => e.Total);
            }
        }
    }

    private static string Line(string reason, Entry entry, string detail) =>
        entry.Unlogged > 0 ? $"refused ({reason}): {detail} (and {entry.Unlogged} more since the last line)" : $"refused ({reason}): {detail}";

    private sealed class Entry
    {
        public long Total;
        public long Unlogged;
        public DateTimeOffset LastLogged = DateTimeOffset.MinValue;
        public string LastDetail = "";
    }
}
