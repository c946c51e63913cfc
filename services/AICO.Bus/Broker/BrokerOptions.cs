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

    public int MaxPendingHandshakes { get; set; } = 1024;

    public TopicPermissions Permissions { get; set; } = TopicPermissions.Default;

    /// <summary>Largest sealed frame accepted on the wire: one full message plus framing and batching slack.</summary>
    internal int MaxFrameBytes => MaxMessageBytes + 64 * 1024;
}
