namespace AICO.Logging.Spool;

/// <summary>
/// Decides when sealed batches go from memory to the producer's spool and back. Records spill while the consumer is
/// away (gate closed) or stalled (a full delivery window with no acknowledgement for a while), and also while older
/// records still wait on disk, so order is kept. A batch the spool refuses (full, or the disk failed) is held in
/// memory and goes out after the spool's contents; until then nothing more spills and the memory buffer drops its
/// oldest records, counted as before.
/// </summary>
internal sealed class SpoolStage(LogSpool spool, BusLoggingOptions options, TimeProvider time, string producer)
{
    private PendingBatch? _held;
    private DateTimeOffset? _fullSince;
    private DateTimeOffset _retryAt;
    private string? _refusal;

    public LogSpool Spool => spool;

    public long HeldRecords => Volatile.Read(ref _held)?.RecordCount ?? 0;

    public DateTimeOffset? HeldOldest => Volatile.Read(ref _held)?.Oldest;

    /// <summary>Nothing waits on disk or in the held slot.</summary>
    public bool IsEmpty => !spool.HasUnread && _held is null;

    /// <summary>Whether a batch from memory should be sealed and spilled now.</summary>
    public bool ShouldSpill(int buffered, bool gateOpen, bool windowFull)
    {
        var now = time.GetUtcNow();
        _fullSince = windowFull ? _fullSince ?? now : null;
        if (buffered < options.SpillThreshold)
        {
            return false;
        }

        var stalled = _fullSince is { } since && now - since >= options.StallTimeout;
        if (!gateOpen || stalled || spool.HasUnread)
        {
            return _held is null || (now >= _retryAt && TryAppend(_held));
        }

        return false;
    }

    /// <summary>Appends a freshly sealed batch; one the spool refuses is held.</summary>
    public void Append(PendingBatch batch)
    {
        if (!TryAppend(batch))
        {
            Volatile.Write(ref _held, batch);
        }
    }

    /// <summary>The next batch to send before any record from memory: the spool's oldest, then the held one.</summary>
    public PendingBatch? NextToDrain()
    {
        if (spool.TryReadNext() is { } spooled)
        {
            return spooled;
        }

        return Interlocked.Exchange(ref _held, null);
    }

    public void Release(long acknowledgedSequence)
    {
        try
        {
            spool.Release(acknowledgedSequence);
        }
        catch (IOException ex)
        {
            Report($"spool segment could not be deleted ({ex.Message})");
        }
    }

    private bool TryAppend(PendingBatch batch)
    {
        string refusal;
        try
        {
            if (spool.TryAppend(batch, batch.Oldest))
            {
                if (ReferenceEquals(batch, _held))
                {
                    Volatile.Write(ref _held, null);
                }

                if (_refusal is not null)
                {
                    _refusal = null;
                    LoggingDiagnostics.Write($"{producer}: log spool accepts records again");
                }

                return true;
            }

            refusal = $"log spool is full ({spool.MaxBytes} bytes); records wait in memory, the oldest are dropped";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            refusal = $"log spool write failed ({ex.Message}); records wait in memory, the oldest are dropped";
        }

        _retryAt = time.GetUtcNow() + TimeSpan.FromSeconds(1);
        Report(refusal);
        return false;
    }

    private void Report(string refusal)
    {
        if (_refusal != refusal)
        {
            _refusal = refusal;
            LoggingDiagnostics.Write($"{producer}: {refusal}");
        }
    }
}
