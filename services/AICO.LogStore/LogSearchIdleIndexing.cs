using AICO.Logging;

namespace AICO.LogStore;

/// <summary>
/// The log consumer's use of its idle time: while no batch waits, index rows for grep a step at a time; stop when a
/// batch arrives (the step in progress commits what it has within a few dozen rows) or when the index has caught up,
/// until the next commit brings new rows. Rows are indexed once enough of them wait (<see cref="RowsWorthAStep"/>) or
/// the oldest has waited <see cref="MaxLag"/>, not after every commit: at a paced rate every small commit started a
/// step, and every step a new index segment and a slice of merge work, which took the writer most of its time on a
/// large index (grep reads the few unindexed rows directly meanwhile). A failing step is reported and not retried
/// before the next commit, so a broken index never costs the writer more than one attempt per transaction.
/// </summary>
internal sealed class LogSearchIdleIndexing(LogSearchIndexer indexer, TimeProvider? time = null, int rowsWorthAStep = LogSearchIdleIndexing.RowsWorthAStep)
{
    /// <summary>Unindexed rows that make a step worth its commit and merge work at once.</summary>
    internal const int RowsWorthAStep = 500;

    /// <summary>The longest a written row waits for the index while the consumer is idle.</summary>
    internal static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private bool _behind = true;
    private bool _draining = true; // due rows are indexed to the end; at start rows may wait from before (a migrated file, a kill -9)
    private long _waitingRows;
    private long _waitingSince;
    private string? _lastProblem;

    public LogSearchIndexer Indexer => indexer;

    /// <summary>True once a step found nothing left to index (until the next commit).</summary>
    public bool CaughtUp => !_behind;

    /// <summary>How long until written rows are due to be indexed; null when nothing waits or they are due now.</summary>
    public TimeSpan? DueIn => !_behind || Due ? null : MaxLag - _time.GetElapsedTime(_waitingSince);

    private bool Due => _behind && (_draining || _waitingRows >= rowsWorthAStep || _time.GetElapsedTime(_waitingSince) >= MaxLag);

    public void RowsWritten(int rows)
    {
        if (!_behind || _waitingRows == 0)
        {
            _waitingSince = _time.GetTimestamp();
        }

        _waitingRows += rows;
        _behind = true;
    }

    /// <summary>When due, runs steps until <paramref name="busy"/> is true, the index has caught up, or cancellation.</summary>
    public void WhileIdle(Func<bool> busy, CancellationToken cancellationToken)
    {
        while (Due && !busy() && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                _draining = true;
                if (indexer.Step(busy, cancellationToken) == 0)
                {
                    (_behind, _draining, _waitingRows) = (false, false, 0);
                }

                _lastProblem = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                (_behind, _waitingRows) = (false, 0);
                if (_lastProblem != ex.Message)
                {
                    LoggingDiagnostics.Write($"log search indexing failed, grep scans the unindexed rows meanwhile: {ex.Message}");
                    _lastProblem = ex.Message;
                }
            }
        }
    }
}
