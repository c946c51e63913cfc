using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// The broker's sending side: seals each connection's outbox into one frame and hands it to the router; counts every
/// record that could not be sent as that connection's drop. Broker thread only.
/// </summary>
internal sealed class BrokerSender(Action<string, string> warnOnce)
{
    /// <summary>An outbox is sealed and sent once it holds this much (and at the end of every receive burst).</summary>
    public const int OutboxFlushBytes = 256 * 1024;

    private byte[] _sealBuffer = new byte[OutboxFlushBytes * 2];

    public RouterSocket? Router { get; set; }

    public long DroppedTotal { get; private set; }

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
