using System.Text;

namespace AICO.Bus;

/// <summary>
/// The broker's half of streamed request/reply (docs/bus-protocol.md, "Streams"). A stream request goes to exactly one
/// subscriber (the most specific), which becomes the stream's responder; its items reach the requester in order, each spending one credit the
/// requester granted, so at most the window is ever in flight per stream however slowly the requester reads. An item
/// without credit, or from another connection, is never forwarded. Runs on the broker's poller thread only.
/// </summary>
internal sealed class BrokerStreams(
    BrokerOptions options,
    Func<IEnumerable<BrokerConnection>> connections,
    RefusalLog refusals,
    BrokerSender sender)
{
    private const int MaxWindow = BusStreamLimits.MaxWindow;
    private const int MaxStreamsPerConnection = BusStreamLimits.MaxStreamsPerConnection;
    private const int MaxCorrelationBytes = BusStreamLimits.MaxCorrelationBytes;

    private readonly Dictionary<string, StreamRoute> _routes = new(StringComparer.Ordinal);

    public int Open => _routes.Count;

    public void OnRecord(BrokerConnection connection, RecordOp op, MessageRecord message)
    {
        connection.MessagesIn++;
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("broker"));
        switch (op)
        {
            case RecordOp.StreamRequest:
                OnRequest(connection, message);
                break;
            case RecordOp.StreamItem:
            case RecordOp.StreamEnd:
                OnResponderFrame(connection, op, message);
                break;
            default:
                throw new FormatException($"record op {(byte)op} is not a stream record from a client");
        }
    }

    public void OnControl(BrokerConnection connection, Control control)
    {
        if (!_routes.TryGetValue(control.CorrelationId, out var route) || route.Requester != connection)
        {
            // Late controls for a stream that just ended are normal; someone else's stream is not theirs to steer.
            CountDrop(connection, "unroutable-stream-control");
            return;
        }

        route.LastActivity = DateTime.UtcNow;
        if (control.Kind == ControlKind.ControlStreamCredit)
        {
            // Credit never exceeds the window: a requester cannot grant itself unbounded buffering in the broker.
            var granted = (int)Math.Min(control.Credit, (uint)route.Window);
            route.Credit = Math.Min(route.Window, route.Credit + granted);
            Send(route.Responder, new Control { Kind = ControlKind.ControlStreamCredit, CorrelationId = route.Correlation, Credit = (uint)granted });
        }
        else
        {
            Close(route);
            Send(route.Responder, new Control { Kind = ControlKind.ControlStreamCancel, CorrelationId = route.Correlation, Reason = "cancelled by the requester" });
        }
    }

    /// <summary>A connection went away: the other side of each of its streams learns it at once.</summary>
    public void OnRemoved(BrokerConnection connection)
    {
        foreach (var route in _routes.Values.Where(r => r.Requester == connection || r.Responder == connection).ToList())
        {
            Close(route);
            if (route.Requester == connection)
            {
                Send(route.Responder, new Control { Kind = ControlKind.ControlStreamCancel, CorrelationId = route.Correlation, Reason = "the requester went away" });
            }
            else
            {
                Refuse(route.Requester, route.Topic, route.Correlation, $"the responder '{connection.Component}' went away before the stream ended");
            }
        }
    }

    /// <summary>Ends streams with no frame in either direction for the request lifetime.</summary>
    public void Sweep(DateTime now)
    {
        foreach (var route in _routes.Values.Where(r => now - r.LastActivity > options.MaxRequestLifetime).ToList())
        {
            Close(route);
            var reason = $"the stream was idle for {options.MaxRequestLifetime.TotalSeconds:0} s";
            Send(route.Responder, new Control { Kind = ControlKind.ControlStreamCancel, CorrelationId = route.Correlation, Reason = reason });
            Refuse(route.Requester, route.Topic, route.Correlation, reason);
        }
    }

    private void OnRequest(BrokerConnection connection, MessageRecord message)
    {
        var topic = Encoding.UTF8.GetString(message.Topic);
        var correlation = Encoding.UTF8.GetString(message.Correlation);
        var refusal = message.Topic.Length > RecordWriter.MaxTopicBytes ? $"a topic is at most {RecordWriter.MaxTopicBytes} bytes"
            : message.Envelope.Length > options.MaxMessageBytes ? $"message of {message.Envelope.Length} bytes exceeds the broker limit of {options.MaxMessageBytes} bytes"
            : !options.Permissions.MayPublish(connection.Component, message.Topic) ? options.Permissions.PublishRefusal(connection.Component, topic)
            : correlation.Length == 0 || message.Correlation.Length > MaxCorrelationBytes ? $"a stream request needs a correlation id of 1 to {MaxCorrelationBytes} bytes"
            : _routes.ContainsKey(correlation) ? "the correlation id is already in use by an open stream"
            : message.AckId is 0 or > MaxWindow ? $"a stream window is 1 to {MaxWindow} items"
            : _routes.Values.Count(r => r.Requester == connection) >= MaxStreamsPerConnection ? $"more than {MaxStreamsPerConnection} open streams"
            : null;
        var responder = refusal is null ? ChooseResponder(message.Topic) : null;
        if (refusal is not null || responder is null)
        {
            Refuse(connection, topic, correlation, refusal ?? $"no subscriber for '{topic}'");
            return;
        }

        var window = (int)message.AckId;
        _routes[correlation] = new StreamRoute(connection, responder, correlation, topic, window) { Credit = window, LastActivity = DateTime.UtcNow };
        responder.Outbox.WriteMessage(RecordOp.DeliverStreamRequest, message.AckId, message.Topic, connection.ComponentUtf8, message.Correlation, message.Envelope);
        responder.OutboxRecords++;
    }

    private void OnResponderFrame(BrokerConnection connection, RecordOp op, MessageRecord message)
    {
        var correlation = Encoding.UTF8.GetString(message.Correlation);
        if (!_routes.TryGetValue(correlation, out var route) || route.Responder != connection)
        {
            CountDrop(connection, "unroutable-stream-frame");
            return;
        }

        if (op == RecordOp.StreamItem && route.Credit == 0)
        {
            Close(route);
            CountDrop(connection, "stream-credit-overrun");
            Send(connection, new Control { Kind = ControlKind.ControlStreamCancel, CorrelationId = correlation, Reason = "an item was sent without credit" });
            Refuse(route.Requester, route.Topic, correlation, $"the responder '{connection.Component}' sent an item without credit");
            return;
        }

        route.LastActivity = DateTime.UtcNow;
        if (op == RecordOp.StreamItem)
        {
            route.Credit--;
        }
        else
        {
            Close(route);
        }

        var deliver = op == RecordOp.StreamItem ? RecordOp.DeliverStreamItem : RecordOp.DeliverStreamEnd;
        route.Requester.Outbox.WriteMessage(deliver, 0, message.Topic, connection.ComponentUtf8, message.Correlation, message.Envelope);
        route.Requester.OutboxRecords++;
    }

    /// <summary>
    /// The subscriber with the longest matching prefix (the one that asked for exactly this, not a monitor that
    /// watches everything); among equals the one serving the fewest streams.
    /// </summary>
    private BrokerConnection? ChooseResponder(ReadOnlySpan<byte> topic)
    {
        BrokerConnection? best = null;
        var bestLength = -1;
        var bestLoad = int.MaxValue;
        foreach (var candidate in connections())
        {
            if (!candidate.Authenticated)
            {
                continue;
            }

            var length = -1;
            foreach (var (_, prefix) in candidate.Subscriptions)
            {
                if (prefix.Length > length && topic.StartsWith(prefix))
                {
                    length = prefix.Length;
                }
            }

            if (length < 0 || length < bestLength)
            {
                continue;
            }

            var load = _routes.Values.Count(r => r.Responder == candidate);
            if (length > bestLength || load < bestLoad)
            {
                (best, bestLength, bestLoad) = (candidate, length, load);
            }
        }

        return best;
    }

    private void CountDrop(BrokerConnection connection, string reason) => sender.CountDrops(connection, 1, reason);

    private void Refuse(BrokerConnection connection, string topic, string correlation, string reason)
    {
        connection.Denied++;
        refusals.Count("stream", $"'{connection.Component}' ({connection.Id}): {reason}");
        Send(connection, new Control { Kind = ControlKind.ControlRefused, Topic = topic, Reason = reason, CorrelationId = correlation });
    }

    private void Close(StreamRoute route) => _routes.Remove(route.Correlation);

    private static void Send(BrokerConnection connection, Control control)
    {
        if (connection.Authenticated)
        {
            connection.Outbox.WriteControl(control);
            connection.OutboxRecords++;
        }
    }

    private sealed class StreamRoute(BrokerConnection requester, BrokerConnection responder, string correlation, string topic, int window)
    {
        public BrokerConnection Requester { get; } = requester;
        public BrokerConnection Responder { get; } = responder;
        public string Correlation { get; } = correlation;
        public string Topic { get; } = topic;
        public int Window { get; } = window;
        public int Credit { get; set; }
        public DateTime LastActivity { get; set; }
    }
}
