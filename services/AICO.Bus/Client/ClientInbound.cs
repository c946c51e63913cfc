using System.Collections.Concurrent;
using System.Text;

namespace AICO.Bus;

/// <summary>
/// The client's receiving side, on the socket thread: opens each sealed frame from the broker and dispatches its
/// records: deliveries to the subscriptions whose prefix matches, replies to their waiting request, acknowledgements
/// and refusals to their waiting operation. Every drop is counted.
/// </summary>
internal sealed class ClientInbound(
    ClientStatus status,
    List<Subscription> subscriptions,
    ConcurrentDictionary<string, TaskCompletionSource<BusMessage>> pendingRequests,
    ConcurrentDictionary<ulong, TaskCompletionSource<object?>> pendingControls,
    ClientStreams streams,
    int maxMessageBytes)
{
    private byte[] _plain = new byte[maxMessageBytes + 128 * 1024];

    /// <summary>The session's opener (set once the handshake gave keys, null without a session).</summary>
    public FrameOpener? Opener { get; set; }

    /// <summary>False when the frame did not open (forged, replayed): dropped and counted.</summary>
    public bool OnSealed(ReadOnlySpan<byte> frame, Action<Control> onSessionControl)
    {
        if (frame.Length > _plain.Length)
        {
            _plain = new byte[frame.Length];
        }

        var result = Opener!.TryOpen(frame, _plain, out var length);
        if (result != OpenResult.Ok)
        {
            status.CountDrops(1, result.ToString().ToLowerInvariant());
            status.WarnOnce("open-" + result, $"dropped a {result.ToString().ToLowerInvariant()} frame that claimed to come from the broker");
            return false;
        }

        BusTelemetry.BytesIn.Add(frame.Length, BusTelemetry.Side("client"));
        var reader = new RecordReader(_plain.AsSpan(0, length));
        while (reader.TryNext(out var op, out var body))
        {
            switch (op)
            {
                case RecordOp.Control:
                    OnControl(Control.Parser.ParseFrom(body), onSessionControl);
                    break;
                case RecordOp.Deliver:
                case RecordOp.DeliverReply:
                case RecordOp.DeliverStreamRequest or RecordOp.DeliverStreamItem or RecordOp.DeliverStreamEnd:
                    OnDeliver(op, RecordReader.ParseMessage(body));
                    break;
                default:
                    throw new FormatException($"unknown record op {(byte)op} from the broker");
            }
        }

        return true;
    }

    private void OnControl(Control control, Action<Control> onSessionControl)
    {
        switch (control.Kind)
        {
            case ControlKind.ControlWelcome:
                onSessionControl(control);
                break;
            case ControlKind.ControlAck:
            case ControlKind.ControlStatusReply:
                if (pendingControls.TryRemove(control.RequestId, out var pending))
                {
                    pending.TrySetResult(control.Status);
                }

                break;
            case ControlKind.ControlRefused:
                OnRefused(control);
                break;
            case ControlKind.ControlPong:
                break;
            case ControlKind.ControlStreamCredit or ControlKind.ControlStreamCancel:
                streams.OnControl(control);
                break;
            default:
                status.CountDrops(1, "unexpected-control");
                break;
        }
    }

    private void OnRefused(Control control)
    {
        status.CountDenied();
        BusTelemetry.Denials.Add(1, BusTelemetry.Side("client"));
        var error = new BusDeniedException(control.Reason);
        if (control.RequestId != 0 && pendingControls.TryRemove(control.RequestId, out var pending))
        {
            pending.TrySetException(error);
            return;
        }

        if (control.CorrelationId.Length > 0 && pendingRequests.TryRemove(control.CorrelationId, out var request))
        {
            request.TrySetException(error);
            return;
        }

        if (streams.OnRefused(control))
        {
            return;
        }

        status.WarnOnce("refused:" + control.Topic, "the broker refused a publish: " + control.Reason);
    }

    private void OnDeliver(RecordOp op, MessageRecord record)
    {
        status.Received();
        var envelope = Envelope.Parser.ParseFrom(record.Envelope);
        var topic = Encoding.UTF8.GetString(record.Topic);
        var message = new BusMessage(
            topic,
            envelope.MessageType,
            Encoding.UTF8.GetString(record.Source),
            envelope.MessageId,
            DateTimeOffset.FromUnixTimeMilliseconds(envelope.TimestampUnixMicros / 1000),
            envelope.Payload.Memory,
            envelope.Attributes,
            record.Correlation.IsEmpty ? null : Encoding.UTF8.GetString(record.Correlation))
        {
            TraceParent = envelope.Traceparent.Length > 0 ? envelope.Traceparent : null,
            TraceState = envelope.Tracestate.Length > 0 ? envelope.Tracestate : null,
            StreamWindow = op == RecordOp.DeliverStreamRequest ? (int)Math.Min(record.AckId, BusStreamLimits.MaxWindow) : 0,
            IsStreamEnd = op == RecordOp.DeliverStreamEnd,
        };

        if (op is RecordOp.DeliverStreamItem or RecordOp.DeliverStreamEnd)
        {
            streams.OnDelivered(message);
            return;
        }

        if (op == RecordOp.DeliverStreamRequest)
        {
            streams.OnStreamRequest(message);
        }

        if (op == RecordOp.DeliverReply)
        {
            if (message.CorrelationId is { } correlation && pendingRequests.TryRemove(correlation, out var pending))
            {
                pending.TrySetResult(message);
            }
            else
            {
                status.CountDrops(1, "late-reply");
            }

            return;
        }

        var taken = false;
        foreach (var subscription in subscriptions)
        {
            if (!record.Topic.StartsWith(subscription.PrefixUtf8))
            {
                continue;
            }

            if (subscription.TryDeliver(message))
            {
                taken = true;
            }
            else
            {
                status.CountDrops(1, "subscription-queue-full");
                status.WarnOnce("sub-full:" + subscription.Prefix, $"handler queue of '{subscription.Prefix}' is full: dropping deliveries");
            }
        }

        if (op == RecordOp.DeliverStreamRequest && !taken)
        {
            streams.OnStreamRequestDropped(message);
        }
    }
}
