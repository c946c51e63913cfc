using AICO.Logging;

namespace AICO.LogStore;

/// <summary>
/// The log consumer's use of its idle time: once its queue has stayed empty for the rows' due time (<see cref="DueIn"/>),
/// index rows for grep a step at a time; stop when a batch arrives (the step in progress commits what it has within a
/// few dozen rows) or when the index has caught up, until the next commit brings new rows. Rows are due once enough of
/// them wait (<see cref="RowsWorthAStep"/>) and the queue has been empty for <see cref="IdleGrace"/>, or once the oldest
/// has waited <see cref="MaxLag"/>, not after every commit: at a paced rate every small commit started a step, and
/// every step a new index segment and a slice of merge work, which took the writer most of its time on a large index;
/// and in a burst the short gaps between batches are not idle time (a step begun there held the next batches back).
/// Grep reads the unindexed rows directly meanwhile. A failing step is reported and not retried before the next
/// commit, so a broken index never costs the writer more than one attempt per transaction.
/// </summary>
internal sealed class LogSearchIdleIndexing(LogSearchIndexer indexer, TimeProvider? time = null, int rowsWorthAStep = LogSearchIdleIndexing.RowsWorthAStep, TimeSpan? idleGrace = null)
{
    /// <summary>Unindexed rows that make a step worth its commit and merge work at once.</summary>
    internal const int RowsWorthAStep = 500;

    /// <summary>The longest a written row waits for the index while the consumer is idle.</summary>
    internal static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the queue stays empty before the writer counts as idle: longer than a burst's gaps (a batch on its way,
    /// a producer's GC pause), short beside <see cref="MaxLag"/>.
    /// </summary>
    internal static readonly TimeSpan IdleGrace = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private bool _behind = true;
    private bool _fromBefore = true; // at start rows may wait from before (a migrated file, a kill -9): due at once
    private bool _draining; // a step ran: the rest is indexed to the end, also when fewer than a step's worth remain
    private long _waitingRows;
    private long _waitingSince;
    private string? _lastProblem;

    public LogSearchIndexer Indexer => indexer;

    /// <summary>True once a step found nothing left to index (until the next commit).</summary>
    public bool CaughtUp => !_behind;

    /// <summary>
    /// How long the writer waits for a batch before it indexes (zero: at once if none is queued); null when nothing
    /// waits to be indexed.
    /// </summary>
    public TimeSpan? DueIn
    {
        get
        {
            if (!_behind)
            {
                return null;
            }

            var lag = MaxLag - _time.GetElapsedTime(_waitingSince);
            if (_fromBefore || lag <= TimeSpan.Zero)
            {
                return TimeSpan.Zero;
            }

            var grace = idleGrace ?? IdleGrace;
            return _draining || _waitingRows >= rowsWorthAStep ? (grace < lag ? grace : lag) : lag;
        }
    }

    private bool Due => _behind && (_fromBefore || _draining || _waitingRows >= rowsWorthAStep || _time.GetElapsedTime(_waitingSince) >= MaxLag);

    public void RowsWritten(int rows)
    {
        if (!_behind || _waitingRows == 0)
        {
            _waitingSince = _time.GetTimestamp();
        }

        _waitingRows += rows;
        _behind = true;
    }

    /// <summary>
    /// When due, runs steps until <paramref name="busy"/> is true, the index has caught up, or cancellation; the writer
    /// calls it once it has waited <see cref="DueIn"/> for a batch in vain.
    /// </summary>
    public void WhileIdle(Func<bool> busy, CancellationToken cancellationToken)
    {
        while (Due && !busy() && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                _draining = true;
                if (indexer.Step(busy, cancellationToken) == 0)
                {
                    (_behind, _fromBefore, _draining, _waitingRows) = (false, false, false, 0);
                }

                _lastProblem = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                (_behind, _fromBefore, _draining, _waitingRows) = (false, false, false, 0);
                if (_lastProblem != ex.Message)
                {
                    LoggingDiagnostics.Write($"log search indexing failed, grep scans the unindexed rows meanwhile: {ex.Message}");
                    _lastProblem = ex.Message;
                }
            }
        }
    }
}
