using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// A bus client's open streams, both sides. Requester: sends the stream request with its window, hands items to the
/// reader as they arrive, grants credit back as the reader takes them, and sends a cancel when the reader stops
/// early (its caller went away). Responder: <see cref="BusReplyStream"/>s, steered by credit and cancel controls.
/// The On* methods run on the client's poller thread; records go out through the client's ordered outbound queue.
/// </summary>
internal sealed class ClientStreams(ClientStreams.SendMessage sendMessage, Func<EncodedRecord, ValueTask> enqueue, Action<string> countDrop)
{
    public delegate ValueTask SendMessage(RecordOp op, ulong slot, string topic, string correlation, string messageType, ReadOnlyMemory<byte> payload, Activity? activity, CancellationToken cancellationToken);

    private readonly ConcurrentDictionary<string, RequestStream> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BusReplyStream> _replies = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<BusMessage> RequestAsync(
        string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (options.Window is < 1 or > BusStreamLimits.MaxWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"a stream window is 1 to {BusStreamLimits.MaxWindow} items");
        }

        var correlation = Guid.NewGuid().ToString("N");
        var stream = new RequestStream(options.Window);
        _requests[correlation] = stream;
        using var activity = BusTelemetry.Source.StartActivity("stream " + topic, ActivityKind.Client);
        activity?.SetTag("messaging.system", "aico.bus");
        activity?.SetTag("messaging.destination.name", topic);
        var grantEvery = Math.Max(1, options.Window / 4);
        var taken = 0;
        var ended = false;
        try
        {
            await sendMessage(RecordOp.StreamRequest, (ulong)options.Window, topic, correlation, messageType, payload, activity ?? Activity.Current, cancellationToken).ConfigureAwait(false);
            while (!ended)
            {
                var item = await NextAsync(stream, topic, options.IdleTimeout, cancellationToken).ConfigureAwait(false);
                ended = item.IsStreamEnd;
                if (!ended && ++taken >= grantEvery)
                {
                    // Taken from the buffer: its slot is free again (the item being handed over is the caller's now).
                    await SendControlAsync(new Control { Kind = ControlKind.ControlStreamCredit, CorrelationId = correlation, Credit = (uint)taken }).ConfigureAwait(false);
                    taken = 0;
                }

                yield return item;
            }
        }
        finally
        {
            _requests.TryRemove(correlation, out _);
            if (!ended && !stream.Failed)
            {
                await SendControlAsync(new Control { Kind = ControlKind.ControlStreamCancel, CorrelationId = correlation, Reason = "the requester stopped reading" }).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The reply side of a delivered stream request (created on delivery, so a cancel can never miss it).</summary>
    public BusReplyStream OpenReply(BusMessage request)
    {
        if (request.StreamWindow <= 0 || string.IsNullOrEmpty(request.CorrelationId))
        {
            throw new InvalidOperationException($"the message on '{request.Topic}' is not a stream request");
        }

        return _replies.GetOrAdd(request.CorrelationId, _ => new BusReplyStream(this, request));
    }

    /// <summary>A DeliverStreamRequest for this client (poller thread), before any handler sees it.</summary>
    public void OnStreamRequest(BusMessage request) => OpenReply(request);

    /// <summary>
    /// A delivered stream request that no local handler took (its queue was full, or nothing here subscribes any more):
    /// it ends now with <see cref="BusReplyStream.DroppedType"/>, so neither its entry here nor the requester's wait
    /// lasts until the idle timeout (poller thread; the end frame is queued off it).
    /// </summary>
    public void OnStreamRequestDropped(BusMessage request)
    {
        if (request.CorrelationId is { } correlation && _replies.TryGetValue(correlation, out var reply))
        {
            _ = Task.Run(() => EndDroppedAsync(reply, $"no handler of '{request.Topic}' could take the request"));
        }
    }

    private static async Task EndDroppedAsync(BusReplyStream reply, string reason)
    {
        try
        {
            await reply.CompleteAsync(BusReplyStream.DroppedType, System.Text.Encoding.UTF8.GetBytes(reason), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // Already ended, or the connection went away (which ends the stream for the requester too).
        }
    }

    /// <summary>Reply streams this client holds open (for tests: each must end, be cancelled or be disposed).</summary>
    internal int OpenReplies => _replies.Count;

    internal ValueTask SendAsync(RecordOp op, ulong slot, string topic, string correlation, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        sendMessage(op, slot, topic, correlation, messageType, payload, Activity.Current, cancellationToken);

    internal void Forget(BusReplyStream reply) => _replies.TryRemove(new KeyValuePair<string, BusReplyStream>(reply.Correlation, reply));

    /// <summary>A DeliverStreamItem or DeliverStreamEnd for this client (poller thread).</summary>
    public void OnDelivered(BusMessage message)
    {
        if (message.CorrelationId is not { } correlation || !_requests.TryGetValue(correlation, out var stream) || !stream.Offer(message))
        {
            countDrop("late-stream-item");
        }
    }

    /// <summary>A stream control from the broker (poller thread).</summary>
    public void OnControl(Control control)
    {
        if (!_replies.TryGetValue(control.CorrelationId, out var reply))
        {
            countDrop("late-stream-control");
            return;
        }

        try
        {
            if (control.Kind == ControlKind.ControlStreamCredit)
            {
                reply.Grant(control.Credit);
            }
            else
            {
                // Stays registered until its handler completes or disposes it, so a cancel before OpenReplyStream is kept.
                reply.Cancel(control.Reason);
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>True when the refusal ended one of this client's streams (poller thread).</summary>
    public bool OnRefused(Control control)
    {
        if (control.CorrelationId.Length == 0 || !_requests.TryRemove(control.CorrelationId, out var stream))
        {
            return false;
        }

        stream.Fail(new BusDeniedException(control.Reason));
        return true;
    }

    /// <summary>The session is gone: the broker has forgotten every stream of this client, so both sides end now.</summary>
    public void OnConnectionLost(string reason)
    {
        foreach (var correlation in _requests.Keys)
        {
            if (_requests.TryRemove(correlation, out var stream))
            {
                stream.Fail(new IOException("the bus connection was lost during the stream: " + reason));
            }
        }

        foreach (var correlation in _replies.Keys)
        {
            if (_replies.TryRemove(correlation, out var reply))
            {
                reply.Cancel("the bus connection was lost: " + reason);
            }
        }
    }

    private static async ValueTask<BusMessage> NextAsync(RequestStream stream, string topic, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        if (stream.Items.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleTimeout);
        try
        {
            return await stream.Items.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException) when (stream.Error is not null)
        {
            throw stream.Error;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no item of the stream on '{topic}' within {idleTimeout.TotalSeconds:0.###}s");
        }
    }

    private ValueTask SendControlAsync(Control control)
    {
        var size = control.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(RecordWriter.RecordHeaderLength + size);
        buffer[0] = (byte)RecordOp.Control;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(1, 4), size);
        control.WriteTo(buffer.AsSpan(RecordWriter.RecordHeaderLength, size));
        return enqueue(new EncodedRecord(buffer, RecordWriter.RecordHeaderLength + size));
    }

    /// <summary>The requester's buffer: at most the window of items plus the end, because the broker enforces credit.</summary>
    private sealed class RequestStream(int window)
    {
        public Channel<BusMessage> Items { get; } = Channel.CreateBounded<BusMessage>(new BoundedChannelOptions(window + 1) { SingleReader = true, SingleWriter = true });

        public Exception? Error { get; private set; }

        public bool Failed => Error is not null;

        public bool Offer(BusMessage message)
        {
            if (!Items.Writer.TryWrite(message))
            {
                Fail(new InvalidOperationException($"the stream delivered more than its window of {window} items"));
                return false;
            }

            if (message.IsStreamEnd)
            {
                Items.Writer.TryComplete();
            }

            return true;
        }

        public void Fail(Exception error)
        {
            Error = error;
            Items.Writer.TryComplete(error);
        }
    }
}
