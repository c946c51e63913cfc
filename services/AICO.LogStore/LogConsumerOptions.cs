using System.ComponentModel.DataAnnotations;
using AICO.Settings;

namespace AICO.LogStore;

/// <summary>
/// Log consumer settings; configuration section <c>LogConsumer</c>, bound and validated when the host starts (an
/// unknown key or a value out of range stops it with a message naming the setting). An empty retention value keeps rows.
/// </summary>
public sealed class LogConsumerOptions
{
    public const string Section = "LogConsumer";

    /// <summary>Most rows written in one transaction; batches waiting beyond it go into the next one.</summary>
    [Range(1, 1_000_000, ErrorMessage = SettingMessages.Between)]
    public int MaxRowsPerTransaction { get; set; } = 5_000;

    /// <summary>
    /// Commits are forced to the disk (synchronous=FULL) at most this far apart; those in between reach the operating
    /// system only (a crash of the consumer loses none of them, a power cut may). Zero forces every commit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan DurableInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Received batches waiting for the writer; when full, the subscription handler waits (back-pressure).</summary>
    [Range(1, 100_000, ErrorMessage = SettingMessages.Between)]
    public int QueueCapacity { get; set; } = 256;

    /// <summary>Pause before a failed write (database gone for longer than the retry pipeline covers) is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan WriteRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows older than this are deleted by retention; empty (null) keeps them.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "36500.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan? RetentionMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows beyond this count (oldest first) are deleted by retention; empty (null) keeps them.</summary>
    [Range(1L, long.MaxValue, ErrorMessage = SettingMessages.Between)]
    public long? RetentionMaxRows { get; set; } = 5_000_000;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows deleted per retention transaction, so the writer never waits long for the lock.</summary>
    [Range(1, 1_000_000, ErrorMessage = SettingMessages.Between)]
    public int RetentionBatchSize { get; set; } = 2_000;
}

