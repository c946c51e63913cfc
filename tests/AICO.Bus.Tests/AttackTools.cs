using System.Buffers.Binary;
using System.Text;
using AICO.Security;
using Google.Protobuf;

namespace AICO.Bus.Tests;

/// <summary>Message records built by hand, with no length checks: what a modified client could put in a sealed frame.</summary>
internal static class RawRecord
{
    public static byte[] Message(RecordOp op, string topic, string correlation = "", string payload = "x", ulong ackId = 0) =>
        Message(op, Encoding.UTF8.GetBytes(topic), Encoding.UTF8.GetBytes(correlation), Envelope(payload), ackId);

    public static byte[] Envelope(string payload) =>
        new Envelope { MessageId = Guid.NewGuid().ToString("N"), MessageType = "raw", Version = 1, Payload = ByteString.CopyFromUtf8(payload) }.ToByteArray();

    public static byte[] Message(RecordOp op, byte[] topic, byte[] correlation, byte[] envelope, ulong ackId = 0)
    {
        var body = new List<byte>();
        var ack = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(ack, ackId);
        body.AddRange(ack);
        body.AddRange(Length16(topic.Length));
        body.AddRange(topic);
        body.Add(0);
        body.AddRange(Length16(correlation.Length));
        body.AddRange(correlation);
        body.AddRange(envelope);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, body.Count);
        return [(byte)op, .. length, .. body];
    }

    public static byte[] Control(Control control)
    {
        var writer = new RecordWriter();
        writer.WriteControl(control);
        return writer.Written.ToArray();
    }

    private static byte[] Length16(int length)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)length);
        return bytes;
    }
}

/// <summary>An enrolled component driven by hand: it completes the handshake, then sends whatever records a test wants.</summary>
internal static class SessionPeer
{
    public static HandshakePeer Authenticate(BusFixture bus, string component, int receiveHighWatermark = 1000)
    {
        var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker, receiveHighWatermark);
        var welcome = peer.Authenticate(component, bus.Keys.Clients[component]);
        Assert.True(welcome.Count > 0 && welcome[0].Op == RecordOp.Control, "the session peer was not welcomed");
        return peer;
    }
}
