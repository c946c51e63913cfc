namespace AICO.Bus;

/// <summary>Client settings; the endpoint comes from Bus:Endpoint (env Bus__Endpoint).</summary>
public sealed class BusClientOptions
{
    public string Endpoint { get; set; } = BrokerOptions.DefaultEndpoint;

    /// <summary>Without a WELCOME (and the broker's proof) within this time the client is Unreachable and retries.</summary>
    public TimeSpan WelcomeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages waiting to be sent (also while not yet authenticated); beyond it TryPublish returns false and counts a drop.</summary>
    public int OutboundCapacity { get; set; } = 100_000;

    /// <summary>Messages waiting for one subscription's handler; beyond it deliveries are dropped and counted.</summary>
    public int SubscriptionCapacity { get; set; } = 100_000;

    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The broker is considered gone after this many heartbeat intervals without any frame from it.</summary>
    public int HeartbeatMisses { get; set; } = 5;

    /// <summary>Target size of one sealed frame when many messages are queued (batching).</summary>
    internal int BatchBytes { get; set; } = 64 * 1024;
}
