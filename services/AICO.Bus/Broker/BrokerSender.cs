using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// The broker's sending side: seals each connection's outbox into one frame and hands it to the router; counts every
/// record that could not be sent as that connection's drop. Byte budgets: the bytes sent to a connection and not yet
/// reported read by it (CONSUMED) may not pass <see cref="BrokerOptions.ConnectionBudgetBytes"/>, nor all of them together
/// <see cref="BrokerOptions.TotalBudgetBytes"/>; past either, that connection's messages are dropped and counted, so a
/// subscriber that stops reading holds at most its budget in the router's queues. Bytes of a removed connection stay
/// charged until the router confirms its pipe is gone. Broker thread only.
/// </summary>
internal sealed class BrokerSender(BrokerOptions options, Action<string, string> warnOnce)
{
    private readonly List<(byte[] RoutingId, long Bytes)> _departed = [];

    /// <summary>An outbox is sealed and sent once it holds this much (and at the end of every receive burst).</summary>
    public const int OutboxFlushBytes = 256 * 1024;

    private byte[] _sealBuffer = new byte[OutboxFlushBytes * 2];

    public RouterSocket? Router { get; set; }

    public long DroppedTotal { get; private set; }

    /// <summary>Bytes sent and not yet reported read, over all connections (including departed ones still queued).</summary>
    public long OutstandingTotal { get; private set; }

    /// <summary>A CONSUMED report: <paramref name="total"/> sealed bytes read so far by this connection.</summary>
    public void Consumed(BrokerConnection connection, ulong total)
    {
        var consumed = (long)Math.Min(total, (ulong)connection.SentBytes);
        if (consumed <= connection.ConsumedBytes)
        {
            return;
        }

        OutstandingTotal -= consumed - connection.ConsumedBytes;
        connection.ConsumedBytes = consumed;
        connection.OverBudgetSince = null;
    }

    /// <summary>The connection was removed; what it never read may still sit in the router's queue for it.</summary>
    public void Departed(BrokerConnection connection)
    {
        var outstanding = connection.SentBytes - connection.ConsumedBytes;
        connection.SentBytes = connection.ConsumedBytes;
        if (outstanding > 0)
        {
            _departed.Add((connection.RoutingId, outstanding));
        }
    }

    /// <summary>Releases the bytes of departed connections whose pipe the router no longer has (RouterMandatory tells).</summary>
    public void ReleaseDeparted()
    {
        for (var i = _departed.Count - 1; i >= 0; i--)
        {
            if (IsGone(_departed[i].RoutingId))
            {
                OutstandingTotal -= _departed[i].Bytes;
                _departed.RemoveAt(i);
            }
        }
    }

    public void CountDrops(BrokerConnection connection, long count, string reason)
    {
        connection.Dropped += count;
        DroppedTotal += count;
        BusTelemetry.Drops.Add(count, BusTelemetry.Side("broker"), BusTelemetry.Reason(reason));
    }

    public void SendHandshake(byte[] routingId, byte kind, IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[size + 1];
        frame[0] = kind;
        message.WriteTo(frame.AsSpan(1));
        SendFrame(routingId, frame, frame.Length);
    }

    public bool SendFrame(byte[] routingId, byte[] frame, int length)
    {
        try
        {
            var router = Router!;
            return router.TrySendFrame(TimeSpan.Zero, routingId, more: true)
                && router.TrySendFrame(TimeSpan.Zero, frame, length);
        }
        catch (NetMQException)
        {
            // RouterMandatory: the peer is gone. Its state is swept when it stops heart-beating.
            return false;
        }
    }

    private bool IsGone(byte[] routingId)
    {
        try
        {
            // A probe that only costs an empty frame if the peer is still there (and that is refused if it is full).
            var router = Router!;
            if (router.TrySendFrame(TimeSpan.Zero, routingId, more: true))
            {
                router.TrySendFrame(TimeSpan.Zero, []);
            }

            return false;
        }
        catch (NetMQException)
        {
            return true;
        }
    }

    public void FlushAll(IEnumerable<BrokerConnection> connections)
    {
        foreach (var connection in connections)
        {
            if (connection.Outbox.Length > 0)
            {
                Flush(connection);
            }
        }
    }

    public void Flush(BrokerConnection connection)
    {
        var plain = connection.Outbox.Written;
        var needed = plain.Length + FrameSealer.Overhead;
        if (connection.SentBytes - connection.ConsumedBytes + needed > options.ConnectionBudgetBytes || OutstandingTotal + needed > options.TotalBudgetBytes)
        {
            var dropped = connection.OutboxRecords;
            connection.Outbox.Reset();
            connection.OutboxRecords = 0;
            CountDrops(connection, dropped, "over-budget");
            connection.OverBudgetSince ??= DateTime.UtcNow;
            warnOnce(connection.Id + "/budget", $"dropping messages for '{connection.Component}' ({connection.Id}): {connection.SentBytes - connection.ConsumedBytes} bytes sent and not read (budget {options.ConnectionBudgetBytes}, broker total {OutstandingTotal} of {options.TotalBudgetBytes})");
            return;
        }

        if (_sealBuffer.Length < needed)
        {
            _sealBuffer = new byte[Math.Max(needed, _sealBuffer.Length * 2)];
        }

        var length = connection.Sealer!.Seal(plain, _sealBuffer);
        var records = connection.OutboxRecords;
        connection.Outbox.Reset();
        connection.OutboxRecords = 0;
        if (SendFrame(connection.RoutingId, _sealBuffer, length))
        {
            connection.SentBytes += length;
            OutstandingTotal += length;
            connection.MessagesOut += records;
            BusTelemetry.MessagesOut.Add(records, BusTelemetry.Side("broker"));
            BusTelemetry.BytesOut.Add(length, BusTelemetry.Side("broker"));
        }
        else
        {
            CountDrops(connection, records, "client-queue-full");
            warnOnce(connection.Id + "/full", $"dropping messages for '{connection.Component}' ({connection.Id}): its queue is full or it is gone");
        }
    }
}
