using AICO.Bus;

namespace AICO.Logging.Spool;

/// <summary>
/// Sends the records of adopted spools (see <see cref="AdoptedSpool"/>) to the consumer while the gate is open, one
/// batch at a time, each until it is acknowledged; a spool read back and acknowledged completely is deleted. It runs
/// beside the process's own shipper and never delays its records.
/// </summary>
internal sealed class AdoptedSpoolDrainer(IBusClient bus, FlushGate gate, IReadOnlyList<AdoptedSpool> spools, BusLoggingOptions options, TimeProvider time, string adopter)
{
    private readonly string _topic = LogTopics.ForComponent(bus.Component);
    private long _inFlightRecords;
    private long _inFlightOldestTicks;
    private volatile bool _done;

    /// <summary>Every adopted spool is delivered and deleted.</summary>
    public bool Done => _done;

    /// <summary>Records still waiting in adopted spools, the batch being sent included.</summary>
    public long Records => spools.Sum(s => s.Spool.UnreadRecords) + Interlocked.Read(ref _inFlightRecords);

    public long Bytes => spools.Sum(s => s.Spool.Bytes);

    public DateTimeOffset? Oldest
    {
        get
        {
            var inFlight = Interlocked.Read(ref _inFlightOldestTicks);
            return spools.Select(s => s.Spool.OldestUnread)
                .Append(inFlight > 0 ? new DateTimeOffset(inFlight, TimeSpan.Zero) : null)
                .Where(t => t is not null).Min();
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DrainAllAsync(cancellationToken).ConfigureAwait(false);
            _done = !cancellationToken.IsCancellationRequested;
        }
        finally
        {
            // Stopping: what is not acknowledged stays on disk, released for the next process (a no-op for a deleted one).
            foreach (var adopted in spools)
            {
                adopted.Spool.Dispose();
            }
        }
    }

    private async Task DrainAllAsync(CancellationToken cancellationToken)
    {
        foreach (var adopted in spools)
        {
            var spool = adopted.Spool;
            LoggingDiagnostics.Write($"{adopter}: adopted the log spool of {adopted.Producer}, a process that is gone ({spool.UnreadRecords} records, {spool.Bytes} bytes); sending it");
            try
            {
                while (spool.TryReadNext() is { } batch)
                {
                    Interlocked.Exchange(ref _inFlightOldestTicks, batch.Oldest.UtcTicks);
                    Interlocked.Exchange(ref _inFlightRecords, batch.RecordCount);
                    await SendUntilAcknowledgedAsync(adopted.Producer, batch, cancellationToken).ConfigureAwait(false);
                    Interlocked.Exchange(ref _inFlightRecords, 0);
                    Interlocked.Exchange(ref _inFlightOldestTicks, 0);
                    spool.Release(batch.LastSequence);
                }

                spool.Dispose(deleteDirectory: true);
                LoggingDiagnostics.Write($"{adopter}: the adopted log spool of {adopted.Producer} is delivered and deleted");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LoggingDiagnostics.Write($"warning: {adopter}: the adopted log spool {spool.Directory} could not be released ({ex.Message}); a later process takes it over");
            }
        }
    }

    private async Task SendUntilAcknowledgedAsync(string producer, PendingBatch batch, CancellationToken cancellationToken)
    {
        var reported = false;
        while (true)
        {
            while (!gate.IsOpen)
            {
                await Task.Delay(options.ClosedGatePollInterval, time, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await LogBatchRequest.SendAsync(bus, _topic, producer, batch.Payload, options.AckTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (!reported)
                {
                    reported = true;
                    LoggingDiagnostics.Write($"{adopter}: adopted batch {producer} {batch.FirstSequence}-{batch.LastSequence} not acknowledged ({ex.GetType().Name}: {ex.Message}); it will be sent again");
                }

                gate.Recheck();
                await Task.Delay(options.RetryDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
