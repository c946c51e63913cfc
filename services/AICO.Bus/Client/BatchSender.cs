using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// The client's sending side, on the socket thread: drains the outbound queue into batches of records, seals each batch
/// into one frame and sends it. A frame the socket cannot take yet is kept and sent when it can (nothing is re-ordered);
/// records lost with a dead session are counted. Works only while a session is attached.
/// </summary>
internal sealed class BatchSender(BusClientOptions options, OutboundQueue queue, ClientStatus status)
{
    private readonly RecordWriter _batch = new(options.BatchBytes * 2);
    private byte[] _sealBuffer = new byte[options.BatchBytes * 2 + FrameSealer.Overhead];
    private DealerSocket? _socket;
    private FrameSealer? _sealer;
    private byte[]? _blockedFrame;
    private int _blockedRecords;
    private int _batchRecords;

    /// <summary>A session is attached and no frame is waiting for the socket.</summary>
    public bool Ready => _sealer is not null && _blockedFrame is null;

    public bool Blocked => _blockedFrame is not null;

    public void Attach(DealerSocket socket, FrameSealer sealer)
    {
        _socket = socket;
        _sealer = sealer;
    }

    /// <summary>The session is gone: whatever was batched or blocked for it is lost, and counted.</summary>
    public void Detach()
    {
        if (_blockedFrame is not null || _batchRecords > 0)
        {
            status.CountDrops(_blockedRecords + _batchRecords, "connection-lost");
        }

        if (_blockedFrame is not null && _socket is not null)
        {
            _socket.SendReady -= OnSendReady;
        }

        _socket = null;
        _sealer = null;
        _blockedFrame = null;
        _blockedRecords = 0;
        _batch.Reset();
        _batchRecords = 0;
    }

    /// <summary>Sends one control record now (with whatever is batched); dropped silently without a session.</summary>
    public void Send(Control control)
    {
        if (_sealer is null)
        {
            return;
        }

        _batch.WriteControl(control);
        _batchRecords++;
        Flush();
    }

    public void Drain()
    {
        if (!Ready)
        {
            return;
        }

        while (_blockedFrame is null && queue.TryRead(out var item))
        {
            // A frame is either up to BatchBytes of records or one large record, so it stays under the broker's frame limit.
            if (_batch.Length > 0 && _batch.Length + item.Length > options.BatchBytes)
            {
                Flush();
            }

            _batch.Append(item.Buffer.AsSpan(0, item.Length));
            item.Return();
            _batchRecords++;
            if (_batch.Length >= options.BatchBytes)
            {
                Flush();
            }
        }

        Flush();
    }

    public void TrySendBlocked()
    {
        if (_blockedFrame is null || _socket is null)
        {
            return;
        }

        if (_socket.TrySendFrame(TimeSpan.Zero, _blockedFrame))
        {
            status.Sent(_blockedRecords, _blockedFrame.Length);
            _blockedFrame = null;
            _blockedRecords = 0;
            _socket.SendReady -= OnSendReady;
            Drain();
        }
    }

    private void Flush()
    {
        if (_batch.Length == 0 || _blockedFrame is not null || _sealer is null)
        {
            return;
        }

        var needed = _batch.Length + FrameSealer.Overhead;
        if (_sealBuffer.Length < needed)
        {
            _sealBuffer = new byte[needed];
        }

        var length = _sealer.Seal(_batch.Written, _sealBuffer);
        var records = _batchRecords;
        _batch.Reset();
        _batchRecords = 0;
        var socket = _socket!;
        if (socket.TrySendFrame(TimeSpan.Zero, _sealBuffer, length))
        {
            status.Sent(records, length);
            return;
        }

        // The socket's queue is full (broker slow or gone): keep the frame and retry when it can take it.
        _blockedFrame = _sealBuffer.AsSpan(0, length).ToArray();
        _blockedRecords = records;
        socket.SendReady += OnSendReady;
    }

    private void OnSendReady(object? sender, NetMQSocketEventArgs e) => TrySendBlocked();
}
