using AICO.Logging;

namespace AICO.LogStore;

/// <summary>
/// The log consumer's use of its idle time: while no batch waits, index rows for grep a step at a time; stop when a
/// batch arrives (the step in progress commits what it has within a few dozen rows) or when the index has caught up,
/// until the next commit brings new rows. A failing step is reported and not retried before the next commit, so a
/// broken index never costs the writer more than one attempt per transaction.
/// </summary>
internal sealed class LogSearchIdleIndexing(LogSearchIndexer indexer)
{
    private bool _behind = true; // rows may wait from before this process (a migrated file, a kill -9)
    private string? _lastProblem;

    public LogSearchIndexer Indexer => indexer;

    /// <summary>True once a step found nothing left to index (until the next commit).</summary>
    public bool CaughtUp => !_behind;

    public void RowsWritten() => _behind = true;

    /// <summary>Runs steps until <paramref name="busy"/> is true, the index has caught up, or cancellation.</summary>
    public void WhileIdle(Func<bool> busy, CancellationToken cancellationToken)
    {
        while (_behind && !busy() && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (indexer.Step(busy, cancellationToken) == 0)
                {
                    _behind = false;
                }

                _lastProblem = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _behind = false;
                if (_lastProblem != ex.Message)
                {
                    LoggingDiagnostics.Write($"log search indexing failed, grep scans the unindexed rows meanwhile: {ex.Message}");
                    _lastProblem = ex.Message;
                }
            }
        }
    }
}
