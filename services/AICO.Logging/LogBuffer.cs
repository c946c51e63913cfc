namespace AICO.Logging;

/// <summary>
/// The records of one process that have not left it yet: a ring of structs, bounded, oldest dropped first on
/// overflow, every drop counted. Adding takes a short lock and never waits, so ILogger.Log never blocks on the bus.
/// </summary>
internal sealed class LogBuffer
{
    private readonly CapturedLogCall[] _ring;
    private readonly WorkSignal _recordsAvailable;
    private readonly Lock _lock = new();
    private int _head;
    private int _count;
    private long _dropped;
    private long _reportedDropped;

    public LogBuffer(int capacity, WorkSignal recordsAvailable)
    {
        Capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));
        _ring = new CapturedLogCall[capacity];
        _recordsAvailable = recordsAvailable;
    }

    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Timestamp of the oldest record waiting, or null when the buffer is empty.</summary>
    public DateTimeOffset? OldestTimestamp
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : new DateTimeOffset(_ring[_head].TimestampTicks, TimeSpan.Zero);
            }
        }
    }

    /// <summary>Every record dropped since the process started.</summary>
    public long DroppedTotal => Interlocked.Read(ref _dropped);

    public void Add(in CapturedLogCall call)
    {
        lock (_lock)
        {
            if (_count == Capacity)
            {
                _ring[_head] = call;
                _head = _head + 1 == Capacity ? 0 : _head + 1;
                _dropped++;
            }
            else
            {
                var tail = _head + _count;
                _ring[tail >= Capacity ? tail - Capacity : tail] = call;
                _count++;
            }
        }

        _recordsAvailable.Set();
    }

    /// <summary>Moves the oldest records into <paramref name="into"/> (as many as fit); returns how many.</summary>
    public int TakeOldest(Span<CapturedLogCall> into)
    {
        lock (_lock)
        {
            var n = Math.Min(into.Length, _count);
            for (var i = 0; i < n; i++)
            {
                into[i] = _ring[_head];
                _ring[_head] = default;
                _head = _head + 1 == Capacity ? 0 : _head + 1;
            }

            _count -= n;
            return n;
        }
    }

    /// <summary>
    /// Puts records taken by <see cref="TakeOldest"/> back in front, in their order (a batch that came out too big).
    /// Records added meanwhile stay behind them; if the ring is full, the oldest are dropped and counted, as on overflow.
    /// </summary>
    public void ReturnOldest(ReadOnlySpan<CapturedLogCall> calls)
    {
        lock (_lock)
        {
            for (var i = calls.Length - 1; i >= 0; i--)
            {
                if (_count == Capacity)
                {
                    _dropped += i + 1; // these are older than anything in the ring: they are the ones to drop
                    return;
                }

                _head = _head == 0 ? Capacity - 1 : _head - 1;
                _ring[_head] = calls[i];
                _count++;
            }
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
            Array.Clear(_ring);
            _head = 0;
            _count = 0;
        }
    }
}
