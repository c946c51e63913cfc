using System.Diagnostics.Metrics;

namespace AICO.Storage;

/// <summary>Storage metrics (meter "AICO.Storage"): retries by reason and key mismatches, visible in the dashboard.</summary>
internal static class StorageTelemetry
{
    public static readonly Meter Meter = new("AICO.Storage");

    public static readonly Counter<long> Retries =
        Meter.CreateCounter<long>("aico.storage.retries", description: "Database operations retried after a transient SQLite error.");

    public static readonly Counter<long> KeyMismatches =
        Meter.CreateCounter<long>("aico.storage.key_mismatches", description: "Opens refused because the key does not match the file.");
}
