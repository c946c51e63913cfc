using System.ComponentModel.DataAnnotations;
using AICO.Settings;

namespace AICO.Logging;

/// <summary>
/// Tuning of the bus logger; configuration section <c>Logging:Bus</c>, bound and validated when the host starts (an
/// unknown key or a value out of range stops it with a message naming the setting).
/// </summary>
public sealed class BusLoggingOptions
{
    public const string Section = "Logging:Bus";

    /// <summary>Records held while the gate is closed; the oldest are dropped (and counted) beyond this.</summary>
    [Range(1, 10_000_000, ErrorMessage = SettingMessages.Between)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Records per bus message.</summary>
    [Range(1, 100_000, ErrorMessage = SettingMessages.Between)]
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>
    /// Most bytes of one batch on the bus (as sent, after compression). A batch over it goes out in smaller ones; a
    /// single record over it has its message, exception and extra cut (and says so). Keep it below the bus's message
    /// limit (Bus:MaxMessageBytes, 1 MiB): a batch the bus refuses would be sent again and again.
    /// </summary>
    [Range(16 * 1024, 64 * 1024 * 1024, ErrorMessage = SettingMessages.Between)]
    public int MaxBatchBytes { get; set; } = 512 * 1024;

    /// <summary>Batches sent and not yet acknowledged; the worker pauses when this many are outstanding.</summary>
    [Range(1, 10_000, ErrorMessage = SettingMessages.Between)]
    public int MaxUnacknowledgedBatches { get; set; } = 16;

    /// <summary>A batch not acknowledged within this time is sent again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before a failed batch is sent again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Largest size of this producer's encrypted spool files (records that wait out a long consumer outage on disk
    /// instead of in memory); 0 turns the spool off.
    /// </summary>
    [Range(0L, long.MaxValue, ErrorMessage = SettingMessages.Between)]
    public long SpoolMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size of one spool segment file; a segment is deleted once every batch in it is acknowledged.</summary>
    [Range(65_536L, long.MaxValue, ErrorMessage = SettingMessages.Between)]
    public long SpoolSegmentBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Records in memory from which, while the consumer is away or stalled, whole batches move to the spool.</summary>
    [Range(1, 10_000_000, ErrorMessage = SettingMessages.Between)]
    public int SpillThreshold { get; set; } = 1_024;

    /// <summary>A full delivery window without any acknowledgement for this long counts as a stalled consumer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a closed gate asks the broker whether the log consumer is there.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan ClosedGatePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often an open gate checks that the log consumer is still subscribed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan OpenGatePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long shutdown waits for buffered records to be acknowledged.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

