namespace AICO.Logging;

/// <summary>
/// Batches sent but not yet acknowledged, in sequence order. Bounded: when full, the worker stops taking records
/// from the buffer (which then drops its oldest, counted) instead of holding unbounded memory.
/// An acknowledgement names the highest contiguous committed sequence; every batch at or below it is done.
/// </summary>
internal sealed class DeliveryWindow(int maxBatches)
{
    private readonly List<PendingBatch> _batches = [];
    private readonly Lock _lock = new();
    private long _acknowledged;

    public int MaxBatches { get; } = maxBatches > 0 ? maxBatches : throw new ArgumentOutOfRangeException(nameof(maxBatches));

    public long AcknowledgedSequence => Interlocked.Read(ref _acknowledged);

    public bool IsFull
    {
        get
        {
            lock (_lock)
            {
                return _batches.Count >= MaxBatches;
            }
        }
    }

    public int BatchCount
    {
        get
        {
            lock (_lock)
            {
                return _batches.Count;
            }
        }
    }

    public int RecordCount
    {
        get
        {
            lock (_lock)
            {
                return _batches.Sum(b => b.RecordCount);
            }
        }
    }

    /// <summary>Timestamp of the oldest record sent and not yet acknowledged, or null.</summary>
    public DateTimeOffset? OldestTimestamp
    {
        get
        {
            lock (_lock)
            {
                return _batches.Count == 0 ? null : _batches.Min(b => b.Oldest);
            }
        }
    }

    public void Add(PendingBatch batch)
    {
        lock (_lock)
        {
            _batches.Add(batch);
        }
    }

    /// <summary>The consumer committed <paramref name="batch"/> and everything up to <paramref name="contiguous"/>.</summary>
    /// <returns>How many records left the window.</returns>
    public int Complete(PendingBatch batch, long contiguous)
    {
        lock (_lock)
        {
            var removed = _batches.Remove(batch) ? batch.RecordCount : 0;
            if (contiguous > _acknowledged)
            {
                _acknowledged = contiguous;
            }

            for (var i = _batches.Count - 1; i >= 0; i--)
            {
                // A batch in flight is removed by its own reply or failure, so a late reply never finds it gone.
                if (_batches[i].LastSequence <= _acknowledged && !_batches[i].InFlight)
                {
                    removed += _batches[i].RecordCount;
                    _batches.RemoveAt(i);
                }
            }

            return removed;
        }
    }

    public void Failed(PendingBatch batch, DateTimeOffset retryAt)
    {
        lock (_lock)
        {
            batch.InFlight = false;
            batch.NotBefore = retryAt;
            if (batch.LastSequence <= _acknowledged)
            {
                _batches.Remove(batch);
            }
        }
    }

    /// <summary>The oldest batch that is neither in flight nor waiting out its retry delay.</summary>
    public PendingBatch? NextToResend(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var batch in _batches)
            {
                if (!batch.InFlight && batch.NotBefore <= now)
                {
                    batch.InFlight = true;
                    batch.Attempts++;
                    return batch;
                }
            }

            return null;
        }
    }

    public bool HasWaitingResends
    {
        get
        {
            lock (_lock)
            {
                return _batches.Exists(b => !b.InFlight);
            }
        }
    }
}
