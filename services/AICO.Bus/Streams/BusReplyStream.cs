namespace AICO.Bus;

/// <summary>
/// The responder's side of a stream request (<see cref="IBusClient.OpenReplyStream"/>): items in order, each waiting
/// for a credit the requester granted, then one end. <see cref="Cancelled"/> fires when the requester goes away or
/// cancels, so the work producing the items can stop at once.
/// </summary>
public sealed class BusReplyStream : IAsyncDisposable
{
    /// <summary>The end frame's message type when a reply stream is disposed without <see cref="CompleteAsync"/>.</summary>
    public const string AbandonedType = "aico.bus.stream.abandoned";

    /// <summary>The end frame's message type when no handler could take the stream request (payload: the reason).</summary>
    public const string DroppedType = "aico.bus.stream.dropped";

    private readonly ClientStreams _owner;
    private readonly BusMessage _request;
    private readonly SemaphoreSlim _credit;
    private readonly CancellationTokenSource _cancelled = new();
    private int _ended;

    internal BusReplyStream(ClientStreams owner, BusMessage request)
    {
        _owner = owner;
        _request = request;
        _credit = new SemaphoreSlim(request.StreamWindow);
    }

    internal string Correlation => _request.CorrelationId!;

    /// <summary>Cancelled when the requester cancelled, went away, or the bus connection was lost.</summary>
    public CancellationToken Cancelled => _cancelled.Token;

    public string? CancelReason { get; private set; }

    /// <summary>Sends one item once the requester has credit for it; throws OperationCanceledException once <see cref="Cancelled"/>.</summary>
    public async ValueTask WriteAsync(string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _ended) == 1)
        {
            throw new InvalidOperationException("the stream has ended");
        }

        if (!_credit.Wait(0))
        {
            // No credit in hand: wait for the requester's grant, or for its cancel (no linked source on the fast path).
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancelled.Token);
            await _credit.WaitAsync(linked.Token).ConfigureAwait(false);
        }

        _cancelled.Token.ThrowIfCancellationRequested();
        await _owner.SendAsync(RecordOp.StreamItem, 0, _request.Topic, Correlation, messageType, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the end frame (needs no credit); nothing can be written after it.</summary>
    public async ValueTask CompleteAsync(string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            throw new InvalidOperationException("the stream has ended");
        }

        _owner.Forget(this);
        if (!_cancelled.IsCancellationRequested)
        {
            await _owner.SendAsync(RecordOp.StreamEnd, 0, _request.Topic, Correlation, messageType, payload, cancellationToken).ConfigureAwait(false);
        }
    }

    internal void Grant(uint credit) => _credit.Release((int)Math.Min(credit, (uint)BusStreamLimits.MaxWindow));

    internal void Cancel(string reason)
    {
        CancelReason ??= reason;
        try
        {
            _cancelled.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _ended) == 0 && !_cancelled.IsCancellationRequested)
        {
            await CompleteAsync(AbandonedType, ReadOnlyMemory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
        }

        _owner.Forget(this);
        _cancelled.Dispose();
        _credit.Dispose();
    }
}
