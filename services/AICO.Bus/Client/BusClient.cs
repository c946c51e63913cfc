using System.Collections.Concurrent;
using System.Diagnostics;
using AICO.Security;
using Microsoft.Extensions.Logging;

namespace AICO.Bus;

/// <summary>
/// A process's connection to the broker. One poller thread (<see cref="ClientSession"/>) owns the DEALER socket and runs
/// the handshake, sealing, batching, dispatch, heartbeats and reconnection; callers only encode records and put them on a
/// bounded queue (<see cref="OutboundQueue"/>).
/// Every failure shows in <see cref="State"/> and <see cref="StatusReason"/> with one log line per state change; every
/// drop is counted.
/// </summary>
public sealed class BusClient : IBusClient
{
    private readonly ComponentKeys _keys;
    private readonly BusClientOptions _options;
    private readonly ClientStatus _status;
    private readonly OutboundQueue _outbound;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<BusMessage>> _pendingRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<object?>> _pendingControls = new();
    private readonly List<Subscription> _subscriptions = [];
    private readonly ClientSession _session;
    private readonly ClientStreams _streams;
    private int _started;
    private int _disposed;

    public BusClient(ComponentKeys keys, BusClientOptions options, ILogger<BusClient>? logger = null)
    {
        _keys = keys;
        _options = options;
        if (!Z85.TryDecode(keys.BrokerPublicKeyZ85, out var brokerPublic) || brokerPublic.Length != CurveKeyPair.KeyLength)
        {
            throw new ArgumentException("the broker public key is not a 40-character Z85 key");
        }

        _status = new ClientStatus(keys.Component, $"connecting to {options.Endpoint}", logger);
        _streams = new ClientStreams(
            (op, slot, topic, correlation, type, payload, activity, cancellationToken) => _outbound!.WriteAsync(Encode(op, slot, topic, correlation, type, payload, null, activity), cancellationToken),
            record => _outbound!.WriteAsync(record, CancellationToken.None),
            reason => _status.CountDrops(1, reason));
        _session = new ClientSession(keys, brokerPublic, options, _status, _subscriptions, _pendingRequests, _pendingControls, _streams);
        _outbound = _session.Outbound;
    }

    public string Component => _keys.Component;

    public string Instance => _keys.Instance;

    public string Endpoint => _options.Endpoint;

    public BusConnectionState State => _status.State;

    public string StatusReason => _status.Reason;

    /// <summary>Messages handed to the socket, messages received, messages dropped anywhere in this client, operations the broker refused.</summary>
    public long MessagesOut => _status.MessagesOut;

    public long MessagesIn => _status.MessagesIn;

    public long Dropped => _status.Dropped;

    public long Denied => _status.Denied;

    public event Action<BusConnectionState>? StateChanged
    {
        add => _status.Changed += value;
        remove => _status.Changed -= value;
    }

    /// <summary>Starts the socket thread; the handshake and every retry run there. Safe to call more than once.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _session.Start();
    }

    public async Task WaitUntilAuthenticatedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            var waiter = _status.AuthenticatedTask(out var already);
            if (already)
            {
                return;
            }

            await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Never throws for a full queue or a disposed client (a logger may still call it during shutdown): false, counted.</summary>
    public bool TryPublish(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null)
    {
        if (_disposed == 1)
        {
            _status.CountDrops(1, "disposed");
            return false;
        }

        return TryEnqueue(Encode(RecordOp.Publish, 0, topic, "", messageType, payload, attributes, Activity.Current));
    }

    public async ValueTask PublishAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default) =>
        await _outbound.WriteAsync(Encode(RecordOp.Publish, 0, topic, "", messageType, payload, attributes, Activity.Current), cancellationToken).ConfigureAwait(false);

    /// <summary>Publishes and waits until the broker has accepted (routed) it; <see cref="BusDeniedException"/> when refused.</summary>
    public async Task PublishConfirmedAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        var id = NextId();
        var confirmation = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingControls[id] = confirmation;
        try
        {
            await _outbound.WriteAsync(Encode(RecordOp.Publish, id, topic, "", messageType, payload, attributes, Activity.Current), cancellationToken).ConfigureAwait(false);
            await confirmation.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pendingControls.TryRemove(id, out _);
        }
    }

    public async Task<IAsyncDisposable> SubscribeAsync(string topicPrefix, Func<BusMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topicPrefix);
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        var subscription = new Subscription(topicPrefix, handler, _options.SubscriptionCapacity, _status.Warn);
        subscription.Start();
        RunOnPoller(() =>
        {
            _subscriptions.Add(subscription);
            _session.Subscribed(subscription);
        });

        try
        {
            await subscription.Confirmed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveSubscriptionAsync(subscription).ConfigureAwait(false);
            throw;
        }

        return new SubscriptionHandle(this, subscription);
    }

    public async Task<BusMessage> RequestAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var correlation = Guid.NewGuid().ToString("N");
        var reply = new TaskCompletionSource<BusMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingRequests[correlation] = reply;
        using var activity = BusTelemetry.Source.StartActivity("request " + topic, ActivityKind.Client);
        activity?.SetTag("messaging.system", "aico.bus");
        activity?.SetTag("messaging.destination.name", topic);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _outbound.WriteAsync(Encode(RecordOp.Request, 0, topic, correlation, messageType, payload, null, activity ?? Activity.Current), cancellationToken).ConfigureAwait(false);
            try
            {
                return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no reply to '{topic}' within {timeout.TotalSeconds:0.###}s (bus state: {State}, {StatusReason})");
            }
        }
        finally
        {
            _pendingRequests.TryRemove(correlation, out _);
            BusTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, BusTelemetry.Side("client"));
        }
    }

    public async ValueTask ReplyAsync(BusMessage request, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.CorrelationId))
        {
            throw new InvalidOperationException($"the message on '{request.Topic}' is not a request (no correlation id)");
        }

        await _outbound.WriteAsync(Encode(RecordOp.Reply, 0, request.Topic, request.CorrelationId, messageType, payload, null, Activity.Current), cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<BusMessage> RequestStreamAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, CancellationToken cancellationToken) =>
        _streams.RequestAsync(topic, messageType, payload, options, cancellationToken);

    public BusReplyStream OpenReplyStream(BusMessage request) => _streams.OpenReply(request);

    /// <summary>Reply streams this client still holds (tests: a dropped or finished stream must leave none).</summary>
    internal int OpenReplyStreams => _streams.OpenReplies;

    public async Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken)
    {
        await WaitUntilAuthenticatedAsync(cancellationToken).ConfigureAwait(false);
        var id = NextId();
        var reply = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingControls[id] = reply;
        try
        {
            RunOnPoller(() => _session.Send(new Control { Kind = ControlKind.ControlStatusRequest, RequestId = id }));
            var report = (StatusReport)(await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false))!;
            return BrokerStatusReport.ToStatus(report);
        }
        finally
        {
            _pendingControls.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _session.DisposeAsync(sayGoodbye: _started == 1).ConfigureAwait(false);
        foreach (var subscription in _subscriptions.ToList())
        {
            await subscription.StopAsync().ConfigureAwait(false);
        }

        _streams.OnConnectionLost("the bus client was disposed");
        foreach (var pending in _pendingRequests.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(BusClient)));
        }

        foreach (var pending in _pendingControls.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(BusClient)));
        }

        _outbound.Close();
        _status.Disposed();
    }

    // ---- caller side ----

    private EncodedRecord Encode(RecordOp op, ulong ackId, string topic, string correlation, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes, Activity? activity)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        return MessageEncoder.Encode(Component, _options.MaxMessageBytes, op, ackId, topic, correlation, messageType, payload, attributes, activity);
    }

    private bool TryEnqueue(EncodedRecord record)
    {
        if (_outbound.TryWrite(record))
        {
            return true;
        }

        record.Return();
        _status.CountDrops(1, "outbound-queue-full");
        _status.WarnOnce("outbound-full", $"outbound queue full ({_options.OutboundCapacity} messages): dropping publishes ({State}: {StatusReason})");
        return false;
    }

    private void RunOnPoller(Action action)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        _session.Run(action);
    }

    private ulong NextId() => _session.NextId();

    private async ValueTask RemoveSubscriptionAsync(Subscription subscription)
    {
        if (_disposed == 0)
        {
            var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            RunOnPoller(() =>
            {
                _subscriptions.Remove(subscription);
                if (!_subscriptions.Exists(s => s.Prefix == subscription.Prefix))
                {
                    _session.Send(new Control { Kind = ControlKind.ControlUnsubscribe, RequestId = NextId(), Topic = subscription.Prefix });
                }

                removed.TrySetResult();
            });
            await removed.Task.ConfigureAwait(false);
        }

        await subscription.StopAsync().ConfigureAwait(false);
    }

    private sealed class SubscriptionHandle(BusClient client, Subscription subscription) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? client.RemoveSubscriptionAsync(subscription) : ValueTask.CompletedTask;
    }
}
