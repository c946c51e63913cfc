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

    /// <summary>
    /// Sends a stream request and yields its items as they arrive, in order, the last one with
    /// <see cref="BusMessage.IsStreamEnd"/>. At most <see cref="BusStreamOptions.Window"/> items are in flight: the
    /// responder waits for credit while the caller is slow. Stopping early (cancellation, disposing the enumerator)
    /// cancels the stream at the responder. A refusal is a <see cref="BusDeniedException"/>, silence past the idle
    /// timeout a TimeoutException, a lost connection an IOException.
    /// </summary>
    IAsyncEnumerable<BusMessage> RequestStreamAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, CancellationToken cancellationToken);

    /// <summary>The responder's side of a stream request received through a subscription (<see cref="BusMessage.StreamWindow"/> above 0).</summary>
    BusReplyStream OpenReplyStream(BusMessage request);

    /// <summary>The broker's view: connected clients, their subscriptions, drop and denial counts.</summary>
    Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken);
}
