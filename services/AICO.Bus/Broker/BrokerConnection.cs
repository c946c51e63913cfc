using System.Text;

namespace AICO.Bus;

/// <summary>The broker's state for one routing id: handshake progress, then the session and its counters.</summary>
internal sealed class BrokerConnection(byte[] routingId, string id, DateTime now) : IDisposable
{
    public byte[] RoutingId { get; } = routingId;
    public string Id { get; } = id;
    public DateTime Created { get; } = now;
    public DateTime LastSeen { get; set; } = now;
    public bool Authenticated { get; private set; }
    public string Component { get; private set; } = "";
    public byte[] ComponentUtf8 { get; private set; } = [];

    public FrameSealer? Sealer { get; private set; }
    public FrameOpener? Opener { get; private set; }

    public List<(string Text, byte[] Utf8)> Subscriptions { get; } = [];
    public RecordWriter Outbox { get; } = new(4096);
    public int OutboxRecords { get; set; }

    public long MessagesIn { get; set; }
    public long MessagesOut { get; set; }
    public long Dropped { get; set; }
    public long Denied { get; set; }

    /// <summary>Sealed bytes sent to this connection, and how many of them it has reported read (flow control).</summary>
    public long SentBytes { get; set; }
    public long ConsumedBytes { get; set; }

    /// <summary>Since when messages for it are dropped for its byte budget (null while it keeps up).</summary>
    public DateTime? OverBudgetSince { get; set; }

    public void Claim(string component)
    {
        Component = component;
        ComponentUtf8 = Encoding.UTF8.GetBytes(component);
    }

    public void Authenticate(SessionKeys keys)
    {
        Opener = new FrameOpener(keys.ClientToBroker);
        Sealer = new FrameSealer(keys.BrokerToClient);
        Authenticated = true;
    }

    public bool IsSubscribed(ReadOnlySpan<byte> topic)
    {
        foreach (var (_, prefix) in Subscriptions)
        {
            if (topic.StartsWith(prefix))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        Sealer?.Dispose();
        Opener?.Dispose();
    }
}
