namespace AICO.Bus;

/// <summary>
/// A process's authenticated connection to the AICO broker. Ready means authenticated (WELCOME received and the
/// broker proved its key), not merely connected. Every failure is visible in <see cref="State"/> and
/// <see cref="StatusReason"/>; every drop is counted.
/// </summary>
public interface IBusClient : IAsyncDisposable
{
    string Component { get; }

    /// <summary>The name the broker knows this client by: the component, or component@name for an instance enrolled on another host.</summary>
    string Instance => Component;

    BusConnectionState State { get; }

    /// <summary>Why the client is in its state, in words a user can act on (e.g. "denied: component not authorized").</summary>
    string StatusReason { get; }

    event Action<BusConnectionState>? StateChanged;

    Task WaitUntilAuthenticatedAsync(CancellationToken cancellationToken);

    /// <summary>Queues a publish without blocking; false (and counted as a drop) when the bounded queue is full.</summary>
    bool TryPublish(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null);

    /// <summary>Queues a publish, waiting for queue space.</summary>
    ValueTask PublishAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a topic prefix. Completes when the broker has confirmed the subscription; throws
    /// <see cref="BusDeniedException"/> when the component may not subscribe to it. Restored after reconnects.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(string topicPrefix, Func<BusMessage, CancellationToken, Task> handler, CancellationToken cancellationToken);

    /// <summary>Sends a request and waits for the reply with the same correlation id; TimeoutException past the timeout.</summary>
    Task<BusMessage> RequestAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Answers a request received through a subscription.</summary>
    ValueTask ReplyAsync(BusMessage request, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The broker's view: connected clients, their subscriptions, drop and denial counts.</summary>
    Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken);
}
