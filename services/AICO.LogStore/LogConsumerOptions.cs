using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AICO.LogStore;

/// <summary>Log consumer settings; configuration section <c>LogConsumer</c>.</summary>
public sealed class LogConsumerOptions
{
    public const string Section = "LogConsumer";

    /// <summary>Most rows written in one transaction; batches waiting beyond it go into the next one.</summary>
    public int MaxRowsPerTransaction { get; set; } = 5_000;

    /// <summary>Received batches waiting for the writer; when full, the subscription handler waits (back-pressure).</summary>
    public int QueueCapacity { get; set; } = 256;

    /// <summary>Pause before a failed write (database gone for longer than the retry pipeline covers) is tried again.</summary>
    public TimeSpan WriteRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows older than this are deleted by retention; null keeps them.</summary>
    public TimeSpan? RetentionMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows beyond this count (oldest first) are deleted by retention; null keeps them.</summary>
    public long? RetentionMaxRows { get; set; } = 5_000_000;

    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows deleted per retention transaction, so the writer never waits long for the lock.</summary>
    public int RetentionBatchSize { get; set; } = 2_000;

    internal static LogConsumerOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var o = new LogConsumerOptions();
        o.MaxRowsPerTransaction = (int)Number(section, nameof(MaxRowsPerTransaction), o.MaxRowsPerTransaction)!;
        o.QueueCapacity = (int)Number(section, nameof(QueueCapacity), o.QueueCapacity)!;
        o.RetentionBatchSize = (int)Number(section, nameof(RetentionBatchSize), o.RetentionBatchSize)!;
        o.RetentionMaxRows = Number(section, nameof(RetentionMaxRows), o.RetentionMaxRows);
        o.RetentionMaxAge = Duration(section, nameof(RetentionMaxAge), o.RetentionMaxAge);
        o.RetentionInterval = Duration(section, nameof(RetentionInterval), o.RetentionInterval) ?? o.RetentionInterval;
        o.WriteRetryDelay = Duration(section, nameof(WriteRetryDelay), o.WriteRetryDelay) ?? o.WriteRetryDelay;
        return o;
    }

    /// <summary>"off" disables a limit; otherwise a positive whole number.</summary>
    private static long? Number(IConfiguration section, string key, long? fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= int.MaxValue * 1000L
            ? value
            : throw new InvalidOperationException($"{Section}:{key} must be a positive whole number or 'off', not '{text}'.");
    }

    private static TimeSpan? Duration(IConfiguration section, string key, TimeSpan? fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"{Section}:{key} must be a positive duration (d.hh:mm:ss) or 'off', not '{text}'.");
    }
}
