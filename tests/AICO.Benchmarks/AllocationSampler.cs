using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace AICO.Benchmarks;

/// <summary>Samples allocations in this process by type name (the runtime's GCAllocationTick event, one per ~100 KB allocated).</summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            return;
        }

        var name = e.PayloadNames!.IndexOf("TypeName") is var i and >= 0 ? e.Payload![i] as string ?? "?" : "?";
        var size = e.PayloadNames!.IndexOf("AllocationAmount64") is var j and >= 0 ? Convert.ToInt64(e.Payload![j]) : 100_000;
        _bytes.AddOrUpdate(name, size, (_, v) => v + size);
    }

    public string Report(long records) => string.Join(", ", _bytes.OrderByDescending(p => p.Value).Take(12).Select(p => $"{p.Key} {p.Value / (double)records:F0}"));
}
