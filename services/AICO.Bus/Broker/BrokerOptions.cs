using AICO.Security;

namespace AICO.Bus;

/// <summary>Broker settings (configuration section "Bus").</summary>
public sealed class BrokerOptions
{
    public const string DefaultEndpoint = "tcp://127.0.0.1:5555";

    /// <summary>Where to bind; port 0 or * binds an ephemeral port (read <see cref="BrokerEngine.BoundEndpoint"/>).</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Overrides the host part of <see cref="Endpoint"/> for binding (e.g. 0.0.0.0 for a multi-host set-up).</summary>
    public string? BindAddress { get; set; }

    /// <summary>Largest envelope a client may send; larger frames are refused and counted.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A client silent for this many heartbeat intervals is dead: its subscriptions are removed.</summary>
    public int HeartbeatMisses { get; set; } = 5;

    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Frames queued towards one client before further ones are dropped (and counted for that client).</summary>
    public int SendHighWatermark { get; set; } = 20_000;

    public int ReceiveHighWatermark { get; set; } = 20_000;

    /// <summary>How long the broker remembers where to route the reply of a request.</summary>
    public TimeSpan MaxRequestLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Inner handshakes (HELLO seen, AUTH not yet) at once; past it the oldest is dropped to make room.</summary>
    public int MaxPendingHandshakes { get; set; } = 1024;

    /// <summary>A connection that neither finishes its ZMTP greeting and CURVE handshake within this time is closed by the gate.</summary>
    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections in their greeting or CURVE handshake from one source address; past it the oldest is closed.</summary>
    public int MaxHandshakesPerSource { get; set; } = 64;

    /// <summary>Connections in their greeting or CURVE handshake in total; past it the oldest is closed.</summary>
    public int MaxHandshakes { get; set; } = 1024;

    /// <summary>Established connections from one source address; past it new connections are refused.</summary>
    public int MaxConnectionsPerSource { get; set; } = 1024;

    /// <summary>Established connections in total; past it new connections are refused.</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>Bytes sent to one connection and not yet reported consumed by it; past it its messages are dropped and counted.</summary>
    public long ConnectionBudgetBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Bytes sent to all connections and not yet reported consumed; past it messages are dropped and counted.</summary>
    public long TotalBudgetBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>A connection that stays over its budget (consuming nothing) this long is disconnected.</summary>
    public TimeSpan StalledTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests of one connection waiting for their reply; past it further requests are refused.</summary>
    public int MaxPendingRequestsPerConnection { get; set; } = 1024;

    /// <summary>Components that see other clients' connection ids and counters in the broker status (others see names and subscriptions).</summary>
    public IReadOnlyList<string> StatusReaders { get; set; } = [Components.Cli];

    /// <summary>Off only to measure what the gate costs: the router then listens on the public endpoint itself.</summary>
    internal bool UseGreetingGate { get; set; } = true;

    public TopicPermissions Permissions { get; set; } = TopicPermissions.Default;

    /// <summary>Largest sealed frame accepted on the wire: one full message plus framing and batching slack.</summary>
    internal int MaxFrameBytes => MaxMessageBytes + 64 * 1024;
}
