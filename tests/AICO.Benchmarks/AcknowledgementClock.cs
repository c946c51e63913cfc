using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AICO.Benchmarks;

/// <summary>
/// Counts the records the consumer acknowledged to this process's bus loggers (their "aico.logging.records.acknowledged"
/// counter, added when the reply to a batch arrives) and when the last acknowledgement arrived. A consumer answers a
/// batch only after its commit, so the last acknowledgement of a round is its last commit plus one bus hop back: the end
/// of a round when the consumer runs in another process.
/// </summary>
internal sealed class AcknowledgementClock : IDisposable
{
    private const string Meter = "AICO.Logging";
    private const string Instrument = "aico.logging.records.acknowledged";

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private long _acknowledged;
    private long _lastTimestamp;
    private (long Count, TaskCompletionSource Done)? _waiting;

    public AcknowledgementClock()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Meter && instrument.Name == Instrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, records, _, _) => Acknowledged(records));
        _listener.Start();
    }

    public long AcknowledgedRecords
    {
        get
        {
            lock (_lock)
            {
                return _acknowledged;
            }
        }
    }

    /// <summary>When the last acknowledgement arrived (Stopwatch timestamp).</summary>
    public long LastTimestamp
    {
        get
        {
            lock (_lock)
            {
                return _lastTimestamp;
            }
        }
    }

    /// <summary>Completes when <paramref name="count"/> records in all have been acknowledged.</summary>
    public Task WhenAcknowledged(long count)
    {
        lock (_lock)
        {
            if (_acknowledged >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting = (count, done);
            return done.Task;
        }
    }

    private void Acknowledged(long records)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            _acknowledged += records;
            _lastTimestamp = now;
            if (_waiting is { } waiting && _acknowledged >= waiting.Count)
            {
                _waiting = null;
                waiting.Done.TrySetResult();
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
