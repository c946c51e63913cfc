namespace AICO.Logging;

/// <summary>
/// The records of one process that have not left it yet: bounded, oldest dropped first on overflow, every drop
/// counted. Adding takes a short lock and never waits, so ILogger.Log never blocks on the bus.
/// </summary>
internal sealed class LogBuffer(int capacity, WorkSignal recordsAvailable)
{
    private readonly Queue<LogEntry> _queue = new(Math.Min(capacity, 1024));
    private readonly Lock _lock = new();
    private long _dropped;
    private long _reportedDropped;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Timestamp of the oldest record waiting, or null when the buffer is empty.</summary>
    public DateTimeOffset? OldestTimestamp
    {
        get
        {
            lock (_lock)
            {
                return _queue.TryPeek(out var oldest) ? oldest.Timestamp : null;
            }
        }
    }

    /// <summary>Every record dropped since the process started.</summary>
    public long DroppedTotal => Interlocked.Read(ref _dropped);

    public void Add(LogEntry entry)
    {
        lock (_lock)
        {
            if (_queue.Count >= Capacity)
            {
                _queue.Dequeue();
                _dropped++;
            }

            _queue.Enqueue(entry);
        }

        recordsAvailable.Set();
    }

    /// <summary>Moves up to <paramref name="max"/> of the oldest records into <paramref name="into"/>.</summary>
    public int TakeOldest(List<LogEntry> into, int max)
    {
        lock (_lock)
        {
            var n = Math.Min(max, _queue.Count);
            for (var i = 0; i < n; i++)
            {
                into.Add(_queue.Dequeue());
            }

            return n;
        }
    }

    /// <summary>Drops not yet reported in a "dropped" record; the count is then considered reported.</summary>
    public long TakeUnreportedDrops()
    {
        lock (_lock)
        {
            var unreported = _dropped - _reportedDropped;
            _reportedDropped = _dropped;
            return unreported;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _queue.Clear();
        }
    }
}
