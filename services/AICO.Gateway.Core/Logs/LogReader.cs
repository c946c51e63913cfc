using AICO.LogStore;
using AICO.Storage;

namespace AICO.Gateway.Logs;

/// <summary>
/// The gateway's way into the logs table of the encrypted database, off the request thread: the same
/// <see cref="LogQuery"/>, statistics and deletion as `aico logs`, no SQL of its own.
/// </summary>
internal sealed class LogReader(EncryptedDatabase database)
{
    public const int MaxPageSize = 1000;
    private const int DeleteBatch = 5_000;

    /// <summary>Newest first; the cursor is the id of the previous page's last record.</summary>
    public Task<LogPage> QueryAsync(LogFilter filter, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var page = database.Execute(connection => LogQuery.Page(connection, filter), cancellationToken);
        return new LogPage(page.Rows.Select(LogRecord.From).ToList(), page.NextBeforeId);
    }, cancellationToken);

    /// <summary>Rows per level and component, per-producer delivery accounting, time span (shared with `aico logs stat`).</summary>
    public Task<LogStatistics> StatsAsync(CancellationToken cancellationToken) =>
        Task.Run(() => database.Execute(LogStatistics.Read, cancellationToken), cancellationToken);

    /// <summary>Deletes rows older than <paramref name="before"/> in small transactions (shared with `aico logs rm`).</summary>
    public Task<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.Run(() => LogDeletion.DeleteBefore(database, before, DeleteBatch, cancellationToken), cancellationToken);
}
