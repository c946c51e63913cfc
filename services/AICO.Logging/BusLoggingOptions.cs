using Microsoft.Extensions.Configuration;

namespace AICO.Logging;

/// <summary>Tuning of the bus logger; configuration section <c>Logging:Bus</c>.</summary>
public sealed class BusLoggingOptions
{
    public const string Section = "Logging:Bus";

    /// <summary>Records held while the gate is closed; the oldest are dropped (and counted) beyond this.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Records per bus message.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Batches sent and not yet acknowledged; the worker pauses when this many are outstanding.</summary>
    public int MaxUnacknowledgedBatches { get; set; } = 16;

    /// <summary>A batch not acknowledged within this time is sent again.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before a failed batch is sent again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Largest size of this producer's encrypted spool files (records that wait out a long consumer outage on disk
    /// instead of in memory); 0 turns the spool off.
    /// </summary>
    public long SpoolMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size of one spool segment file; a segment is deleted once every batch in it is acknowledged.</summary>
    public long SpoolSegmentBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Records in memory from which, while the consumer is away or stalled, whole batches move to the spool.</summary>
    public int SpillThreshold { get; set; } = 1_024;

    /// <summary>A full delivery window without any acknowledgement for this long counts as a stalled consumer.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan ClosedGatePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan OpenGatePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long shutdown waits for buffered records to be acknowledged.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(3);

    internal static BusLoggingOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new BusLoggingOptions();
        options.BufferCapacity = Positive(section, nameof(BufferCapacity), options.BufferCapacity);
        options.MaxBatchSize = Positive(section, nameof(MaxBatchSize), options.MaxBatchSize);
        options.MaxUnacknowledgedBatches = Positive(section, nameof(MaxUnacknowledgedBatches), options.MaxUnacknowledgedBatches);
        options.AckTimeout = Duration(section, nameof(AckTimeout), options.AckTimeout);
        options.RetryDelay = Duration(section, nameof(RetryDelay), options.RetryDelay);
        options.ShutdownFlushTimeout = Duration(section, nameof(ShutdownFlushTimeout), options.ShutdownFlushTimeout);
        options.SpoolMaxBytes = section[nameof(SpoolMaxBytes)] == "0" ? 0 : Positive(section, nameof(SpoolMaxBytes), options.SpoolMaxBytes);
        options.SpoolSegmentBytes = Positive(section, nameof(SpoolSegmentBytes), options.SpoolSegmentBytes);
        options.SpillThreshold = Positive(section, nameof(SpillThreshold), options.SpillThreshold);
        options.StallTimeout = Duration(section, nameof(StallTimeout), options.StallTimeout);
        return options;
    }

    private static int Positive(IConfiguration section, string key, int fallback) =>
        (int)Math.Min(Positive(section, key, (long)fallback), int.MaxValue);

    private static long Positive(IConfiguration section, string key, long fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{Section}:{key} must be a positive integer, not '{text}'.");
    }

    private static TimeSpan Duration(IConfiguration section, string key, TimeSpan fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"{Section}:{key} must be a positive duration (hh:mm:ss), not '{text}'.");
    }
}
