namespace AICO.Logging.Pipeline;

/// <summary>
/// The log pipeline of one installation at a glance: is the consumer subscribed, how many records wait (in memory,
/// sent but unacknowledged, in spools), and how old the oldest unacknowledged record is. Built from the producers'
/// state files in the runtime directory, so it works from any process, the CLI included.
/// </summary>
public sealed record LogPipelineStatus(
    bool? ConsumerSubscribed,
    long BufferedRecords,
    long UnacknowledgedRecords,
    long SpooledRecords,
    long SpoolBytes,
    long DroppedRecords,
    double? OldestUnacknowledgedAgeSeconds,
    double? OldestSpooledAgeSeconds,
    IReadOnlyList<ProducerPipelineState> Producers)
{
    /// <param name="consumerSubscribed">What the broker says, when the caller could ask it; else the producers' gates tell.</param>
    public static LogPipelineStatus Read(string runtimeDirectory, DateTimeOffset now, bool? consumerSubscribed = null)
    {
        var producers = PipelineStateFiles.ReadAll(runtimeDirectory);
        var running = producers.Where(p => p.Running).ToList();
        consumerSubscribed ??= running.Count == 0 ? null : running.Any(p => p.GateOpen);
        var oldest = producers.Select(p => p.OldestUnacknowledged).Where(t => t is not null).Min();
        var oldestSpooled = producers.Select(p => p.OldestSpooled).Where(t => t is not null).Min();
        return new LogPipelineStatus(
            consumerSubscribed,
            running.Sum(p => p.BufferedRecords),
            running.Sum(p => p.UnacknowledgedRecords),
            producers.Sum(p => p.SpooledRecords),
            producers.Sum(p => p.SpoolBytes),
            producers.Sum(p => p.DroppedRecords),
            AgeSeconds(oldest, now),
            AgeSeconds(oldestSpooled, now),
            producers);
    }

    private static double? AgeSeconds(DateTimeOffset? timestamp, DateTimeOffset now) =>
        timestamp is { } t ? Math.Max(0, Math.Round((now - t).TotalSeconds, 1)) : null;

    /// <summary>One line for people: subscribed or not, the backlog and its age.</summary>
    public string Summary()
    {
        var consumer = ConsumerSubscribed switch { true => "subscribed", false => "NOT subscribed", null => "unknown (no producer running)" };
        var age = OldestUnacknowledgedAgeSeconds is { } s ? $"{s:0.#} s" : "-";
        var spoolAge = OldestSpooledAgeSeconds is { } a ? $", oldest {a:0.#} s" : "";
        return $"consumer {consumer}; backlog: {BufferedRecords} in memory, {UnacknowledgedRecords} unacknowledged, " +
            $"{SpooledRecords} in spools ({SpoolBytes} bytes{spoolAge}); dropped {DroppedRecords}; oldest unacknowledged {age}";
    }
}
