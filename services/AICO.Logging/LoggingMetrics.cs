using System.Diagnostics.Metrics;

namespace AICO.Logging;

/// <summary>Meter "AICO.Logging": what the pipeline did with the records of this process.</summary>
internal sealed class LoggingMetrics : IDisposable
{
    public const string MeterName = "AICO.Logging";

    private readonly Meter _meter = new(MeterName);

    public LoggingMetrics(Func<long> buffered, Func<long> unacknowledged, Func<long> droppedTotal, Func<int> gateOpen,
        Func<long> spooledRecords, Func<long> spoolBytes, Func<double> oldestSpooledAge)
    {
        Sent = _meter.CreateCounter<long>("aico.logging.records.sent", "{record}", "Records sent to the log consumer (first attempt).");
        Acknowledged = _meter.CreateCounter<long>("aico.logging.records.acknowledged", "{record}", "Records the consumer confirmed as committed.");
        Resent = _meter.CreateCounter<long>("aico.logging.batches.resent", "{batch}", "Batches sent again after a missing acknowledgement.");
        Reentrant = _meter.CreateCounter<long>("aico.logging.records.reentrant", "{record}", "Log calls ignored because they came from inside the bus logger.");
        _meter.CreateObservableGauge("aico.logging.buffer.records", buffered, "{record}", "Records waiting in the buffer.");
        _meter.CreateObservableGauge("aico.logging.unacknowledged.records", unacknowledged, "{record}", "Records sent and not yet acknowledged.");
        _meter.CreateObservableCounter("aico.logging.records.dropped", droppedTotal, "{record}", "Records dropped because the buffer was full.");
        _meter.CreateObservableGauge("aico.logging.spool.records", spooledRecords, "{record}", "Records waiting in this process's spool files (its own and adopted ones).");
        _meter.CreateObservableGauge("aico.logging.spool.bytes", spoolBytes, "By", "Bytes of this process's spool files on disk.");
        _meter.CreateObservableGauge("aico.logging.spool.oldest_age", oldestSpooledAge, "s", "Age of the oldest record waiting in a spool; 0 when none waits.");
        _meter.CreateObservableGauge("aico.logging.gate.open", gateOpen, description: "1 while records flow to the consumer, 0 while they are buffered.");
    }

    public Counter<long> Sent { get; }
    public Counter<long> Acknowledged { get; }
    public Counter<long> Resent { get; }
    public Counter<long> Reentrant { get; }

    public void Dispose() => _meter.Dispose();
}
