using AICO.Bus;
using AICO.Logging;
using AICO.Security;

namespace AICO.Logging.Tests;

/// <summary>
/// Test double at the IBusClient edge, for the pure units of the producer (gate, buffer, sequence, resend,
/// re-entrance). It plays broker and consumer in memory: decodes batches, keeps each (producer, sequence) once,
/// and answers with the highest contiguous sequence, like the real consumer. Multi-process behaviour is tested
/// against the real bus elsewhere.
/// </summary>
internal sealed class FakeBusClient(string component = Components.Gateway) : IBusClient
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, LogEntry> _stored = [];
    private BusConnectionState _state = BusConnectionState.Connecting;
    private long _contiguous;
    private int _statusRequests;

    public string Component { get; } = component;

    public BusConnectionState State => _state;

    public string StatusReason => _state.ToString();

    public event Action<BusConnectionState>? StateChanged;

    public bool ConsumerSubscribed { get; set; }

    /// <summary>Requests to fail before any is answered (the consumer is slow or away).</summary>
    public int FailNextRequests;

    /// <summary>Requests to commit but whose reply is lost (the producer must resend, the consumer de-duplicate).</summary>
    public int LoseNextReplies;

    /// <summary>Runs synchronously inside RequestAsync, as bus code on the caller's thread would.</summary>
    public Action? InsideRequest { get; set; }

    public int Requests;
    public int Duplicates;

    public int StatusRequests => Volatile.Read(ref _statusRequests);

    public IReadOnlyList<LogEntry> Stored
    {
        get
        {
            lock (_lock)
            {
                return [.. _stored.Values];
            }
        }
    }

    public string? LastProducer { get; private set; }

    public void SetState(BusConnectionState state)
    {
        _state = state;
        StateChanged?.Invoke(state);
    }

    public Task WaitUntilAuthenticatedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool TryPublish(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null) =>
        throw new NotSupportedException("the bus logger sends batches as requests");

    public ValueTask PublishAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the bus logger sends batches as requests");

    public Task<IAsyncDisposable> SubscribeAsync(string topicPrefix, Func<BusMessage, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    /// <summary>The logging pipeline uses no streams.</summary>
    public IAsyncEnumerable<BusMessage> RequestStreamAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public BusReplyStream OpenReplyStream(BusMessage request) => throw new NotSupportedException();

    public Task<BusMessage> RequestAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Requests);
        InsideRequest?.Invoke();
        if (_state != BusConnectionState.Authenticated || !ConsumerSubscribed || Interlocked.Decrement(ref FailNextRequests) >= 0)
        {
            return Task.FromException<BusMessage>(new TimeoutException("no reply"));
        }

        Assert.Equal(LogTopics.BatchMessageType, messageType);
        var batch = LogBatchCodec.Decode(payload.Span);
        Assert.Equal(LogTopics.ForComponent(Component), topic);
        long contiguous;
        lock (_lock)
        {
            LastProducer = batch.Producer;
            foreach (var entry in batch.Entries)
            {
                if (!_stored.TryAdd(entry.Sequence, entry))
                {
                    Duplicates++;
                }
            }

            while (_stored.ContainsKey(_contiguous + 1))
            {
                _contiguous++;
            }

            contiguous = _contiguous;
        }

        if (Interlocked.Decrement(ref LoseNextReplies) >= 0)
        {
            return Task.FromException<BusMessage>(new TimeoutException("reply lost"));
        }

        var ack = new LogAck(batch.Producer, contiguous).Encode();
        return Task.FromResult(new BusMessage(topic, LogTopics.AckMessageType, Components.LogConsumer, Guid.NewGuid().ToString(),
            DateTimeOffset.UtcNow, ack, new Dictionary<string, string>(), "corr"));
    }

    public ValueTask ReplyAsync(BusMessage request, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _statusRequests);
        IReadOnlyList<BrokerClientStatus> clients = ConsumerSubscribed
            ? [new BrokerClientStatus(Components.LogConsumer, "c1", [LogTopics.Prefix], 0, 0, 0, 0)]
            : [new BrokerClientStatus(Components.ModelService, "c2", ["modelservice/"], 0, 0, 0, 0)];
        return Task.FromResult(new BrokerStatus(clients, 0, 0));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
