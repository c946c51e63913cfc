using AICO.Bus;
using AICO.Logging.Spool;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// The one background worker of a process's bus logger: while the gate is open it resends unacknowledged batches,
/// reports buffer drops, takes records from the buffer in order, numbers them, batches and sends them as requests
/// the consumer answers with an acknowledgement. While the gate is closed it leaves records in the buffer.
/// </summary>
internal sealed class LogShipper
{
    internal const string DroppedCategory = "AICO.Logging.LogBuffer";

    // After sending, the worker looks at the buffer every millisecond for a while (about 20 ms) instead of waiting to
    // be woken: a caller that logs meanwhile only reads a raised flag, where waking a sleeping worker costs it
    // microseconds (logging-call-paced). A record waits at most one poll longer; an idle process sleeps again.
    private static readonly TimeSpan LingerPoll = TimeSpan.FromMilliseconds(1);
    private const int LingerPolls = 20;

    private readonly IBusClient _bus;
    private readonly LogBuffer _buffer;
    private readonly FlushGate _gate;
    private readonly DeliveryWindow _window;
    private readonly WorkSignal _signal;
    private readonly BusLoggingOptions _options;
    private readonly LoggingMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly string _topic;
    private readonly SpoolStage? _spool;
    private readonly Lock _handOff = new();
    private readonly LogBatchEncoder _encoder = new();
    private readonly LogCallFormatter _formatter = new();
    private long _nextSequence = 1;
    private int _failuresReported;
    private int _idlePolls;

    public LogShipper(IBusClient bus, string producer, LogBuffer buffer, FlushGate gate, DeliveryWindow window,
        WorkSignal signal, BusLoggingOptions options, LoggingMetrics metrics, TimeProvider time, SpoolStage? spool = null)
    {
        _spool = spool;
        _bus = bus;
        Producer = producer;
        _buffer = buffer;
        _gate = gate;
        _window = window;
        _signal = signal;
        _options = options;
        _metrics = metrics;
        _time = time;
        _topic = LogTopics.ForComponent(bus.Component);
    }

    public string Producer { get; }

    /// <summary>The sequence number the next record leaving the buffer gets.</summary>
    public long NextSequence => Interlocked.Read(ref _nextSequence);

    /// <summary>True when nothing is buffered, nothing is being sealed, and everything sent is acknowledged.</summary>
    public bool Idle
    {
        get
        {
            // Under the hand-off lock: records taken from the buffer are in the window before anyone looks again.
            lock (_handOff)
            {
                return _buffer.Count == 0 && _window.BatchCount == 0 && (_spool?.IsEmpty ?? true);
            }
        }
    }

    /// <summary>
    /// The worker must outlive any bug in a record or in this loop: a dead worker silently stops the process's
    /// logging for good, so an unexpected exception is reported and the loop starts again.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ShipAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LoggingDiagnostics.Write($"{Producer}: log worker failed ({ex.GetType().Name}: {ex.Message}); it continues");
                try
                {
                    await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    private async Task ShipAsync(CancellationToken cancellationToken)
    {
        var batch = new CapturedLogCall[_options.MaxBatchSize];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!_gate.IsOpen)
                {
                    Spill(batch, gateOpen: false, windowFull: false);
                    await _signal.WaitAsync(_options.ClosedGatePollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                while (_gate.IsOpen && _window.NextToResend(_time.GetUtcNow()) is { } pending)
                {
                    _metrics.Resent.Add(1);
                    Send(pending, cancellationToken);
                }

                _spool?.Release(_window.AcknowledgedSequence);
                Spill(batch, gateOpen: true, _window.IsFull);
                if (_window.IsFull)
                {
                    await _signal.WaitAsync(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                PendingBatch? pendingBatch = null;
                lock (_handOff)
                {
                    // Records that waited on disk are older than any in memory: they go first.
                    pendingBatch = _spool?.NextToDrain();
                    if (pendingBatch is null && TakeFromBuffer(batch) is > 0 and var count)
                    {
                        pendingBatch = Seal(batch.AsSpan(0, count));
                    }

                    if (pendingBatch is not null)
                    {
                        pendingBatch.InFlight = true;
                        pendingBatch.Attempts = 1;
                        _window.Add(pendingBatch);
                    }
                }

                if (pendingBatch is null)
                {
                    if (_idlePolls < LingerPolls && !_window.HasWaitingResends)
                    {
                        _idlePolls++;
                        await WorkSignal.PollAsync(LingerPoll, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    var wait = _window.HasWaitingResends ? _options.RetryDelay : _options.OpenGatePollInterval;
                    await _signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _idlePolls = 0;

                _metrics.Sent.Add(pendingBatch.RecordCount);
                Send(pendingBatch, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>While the consumer is away or stalled, whole batches move from memory to the spool (in order).</summary>
    private void Spill(CapturedLogCall[] batch, bool gateOpen, bool windowFull)
    {
        while (_spool is not null && _spool.ShouldSpill(_buffer.Count, gateOpen, windowFull))
        {
            lock (_handOff)
            {
                var count = TakeFromBuffer(batch);
                if (count == 0)
                {
                    return;
                }

                _spool.Append(Seal(batch.AsSpan(0, count)));
            }
        }
    }

    /// <summary>The oldest records of the buffer (after a report of any drops), up to one batch.</summary>
    private int TakeFromBuffer(CapturedLogCall[] batch)
    {
        var count = 0;
        var dropped = _buffer.TakeUnreportedDrops();
        if (dropped > 0)
        {
            batch[count++] = DroppedRecord(dropped);
        }

        return count + _buffer.TakeOldest(batch.AsSpan(count));
    }

    /// <summary>
    /// Numbers the records, formats what the callers deferred, and encodes them; clears the slots. A batch over
    /// <see cref="BusLoggingOptions.MaxBatchBytes"/> keeps its first half and gives the rest back to the buffer, until it
    /// fits; a single record that does not fit is cut. The bus would refuse it, and it would be resent forever.
    /// </summary>
    private PendingBatch Seal(Span<CapturedLogCall> calls)
    {
        var first = _nextSequence;
        var oldest = new DateTimeOffset(calls[0].TimestampTicks, TimeSpan.Zero);
        var payload = Encode(calls, first, cut: false);
        while (payload.Length > _options.MaxBatchBytes)
        {
            if (calls.Length == 1)
            {
                LoggingDiagnostics.Write($"{Producer}: a log record of {payload.Length} bytes does not fit one batch ({_options.MaxBatchBytes} bytes); its texts are cut");
                payload = Encode(calls, first, cut: true);
                break;
            }

            var keep = calls.Length / 2;
            _buffer.ReturnOldest(calls[keep..]);
            calls[keep..].Clear();
            calls = calls[..keep];
            payload = Encode(calls, first, cut: false);
        }

        calls.Clear();
        Interlocked.Exchange(ref _nextSequence, first + calls.Length);
        return new PendingBatch(first, first + calls.Length - 1, calls.Length, payload) { Oldest = oldest };
    }

    private byte[] Encode(Span<CapturedLogCall> calls, long first, bool cut)
    {
        Span<byte> trace = stackalloc byte[16];
        Span<byte> span = stackalloc byte[8];
        var longest = _options.MaxBatchBytes / 8; // characters: at most 3 bytes each in UTF-8, two such texts and the extra
        _encoder.Begin(Producer, first, calls.Length);
        foreach (ref var call in calls)
        {
            if (call.HasTrace)
            {
                call.TraceId.CopyTo(trace);
                call.SpanId.CopyTo(span);
            }

            var message = LogCallFormatter.Message(call);
            var exception = call.ExceptionText;
            var extra = _formatter.Extra(call);
            if (cut)
            {
                message = RecordCut.Text(message, longest);
                exception = exception is null ? null : RecordCut.Text(exception, longest);
                extra = RecordCut.Extra(extra, longest);
            }

            _encoder.Add(LogBatchCodec.ToUnixMicros(call.TimestampTicks), call.Level, call.EventId, call.Category!,
                message, exception, call.HasTrace ? trace : [], call.HasTrace ? span : [], extra);
        }

        return _encoder.FinishForWire();
    }

    private void Send(PendingBatch batch, CancellationToken cancellationToken) =>
        _ = SendAsync(batch, cancellationToken);

    private async Task SendAsync(PendingBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            var ack = await LogBatchRequest.SendAsync(_bus, _topic, Producer, batch.Payload, _options.AckTimeout, cancellationToken).ConfigureAwait(false);
            _metrics.Acknowledged.Add(_window.Complete(batch, ack.ContiguousSequence));
            if (Interlocked.Exchange(ref _failuresReported, 0) > 0)
            {
                LoggingDiagnostics.Write($"{Producer}: log batches are acknowledged again");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _window.Failed(batch, _time.GetUtcNow());
        }
        catch (Exception ex)
        {
            _window.Failed(batch, _time.GetUtcNow() + _options.RetryDelay);
            if (Interlocked.Exchange(ref _failuresReported, 1) == 0)
            {
                LoggingDiagnostics.Write($"{Producer}: log batch {batch.FirstSequence}-{batch.LastSequence} not acknowledged ({ex.GetType().Name}: {ex.Message}); it will be sent again");
            }

            _gate.Recheck();
        }

        _signal.Set();
    }

    private CapturedLogCall DroppedRecord(long dropped) => new()
    {
        TimestampTicks = _time.GetUtcNow().UtcTicks,
        Level = LogLevel.Warning,
        Category = DroppedCategory,
        Message = $"{dropped} log records were dropped while buffering",
        ExtraJson = $"{{\"dropped\":{dropped}}}",
    };
}
