using AICO.Storage;

namespace AICO.LogStore;

/// <summary>Deleting old log rows in small transactions, so writers never wait long (`aico logs rm`, admin APIs).</summary>
public static class LogDeletion
{
    /// <returns>Rows deleted.</returns>
    public static long DeleteBefore(EncryptedDatabase database, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        var retention = new LogRetention(database, new LogConsumerOptions { RetentionMaxAge = null, RetentionMaxRows = null, RetentionBatchSize = batchSize });
        return retention.DeleteOlderThan(LogTimestamps.ToText(before), cancellationToken);
    }
}
