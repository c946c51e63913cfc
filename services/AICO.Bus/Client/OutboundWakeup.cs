using NetMQ;

namespace AICO.Bus;

/// <summary>
/// Wakes the client's socket thread when records are queued from other threads: one signal per burst, not per record.
/// The flag stays raised while the socket thread drains, and is checked again after lowering it, so nothing enqueued in
/// between is left waiting.
/// </summary>
internal sealed class OutboundWakeup : IDisposable
{
    private readonly NetMQQueue<int> _queue = new();
    private readonly Action _drain;
    private readonly Func<bool> _moreToSend;
    private int _pending;
    private int _closed;

    /// <param name="drain">Socket thread: sends what is queued (as far as the socket takes it).</param>
    /// <param name="moreToSend">Socket thread: records are still queued and the socket can take them.</param>
    public OutboundWakeup(Action drain, Func<bool> moreToSend)
    {
        _drain = drain;
        _moreToSend = moreToSend;
        _queue.ReceiveReady += (_, _) => OnWake();
    }

    /// <summary>Add this to the socket thread's poller.</summary>
    public ISocketPollable Pollable => _queue;

    /// <summary>Any thread: records were queued.</summary>
    public void Signal()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0 && Volatile.Read(ref _closed) == 0)
        {
            try
            {
                _queue.Enqueue(0);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Signals after this are ignored (the socket thread is gone).</summary>
    public void Close() => Volatile.Write(ref _closed, 1);

    public void Dispose()
    {
        Close();
        _queue.Dispose();
    }

    private void OnWake()
    {
        while (_queue.TryDequeue(out _, TimeSpan.Zero))
        {
        }

        while (true)
        {
            _drain();
            Volatile.Write(ref _pending, 0);
            if (!_moreToSend() || Interlocked.Exchange(ref _pending, 1) == 1)
            {
                return;
            }
        }
    }
}
