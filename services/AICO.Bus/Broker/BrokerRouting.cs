using System.Text;

namespace AICO.Bus;

/// <summary>
/// What an authenticated connection's records do: subscriptions, publishes and requests routed by topic prefix to
/// subscribers' outboxes, replies routed back to their requester, pings and status. Every field is checked before
/// anything is written, so a bad record refuses only its sender. Broker thread only.
/// </summary>
internal sealed class BrokerRouting(
    BrokerOptions options,
    Dictionary<string, BrokerConnection> connections,
    RequestRoutes routes,
    BrokerStreams streams,
    RefusalLog refusals,
    BrokerSender sender,
    Action<BrokerConnection, string> remove,
    Func<string?, StatusReport> snapshot)
{
    /// <summary>Handles the records of one opened frame; throws <see cref="FormatException"/> on a malformed one.</summary>
    public void OnRecords(BrokerConnection connection, ReadOnlySpan<byte> plain)
    {
        var reader = new RecordReader(plain);
        while (reader.TryNext(out var op, out var body))
        {
            switch (op)
            {
                case RecordOp.Control:
                    OnControl(connection, Control.Parser.ParseFrom(body));
                    break;
                case RecordOp.Publish:
                case RecordOp.Request:
                    OnPublish(connection, op, RecordReader.ParseMessage(body));
                    break;
                case RecordOp.Reply:
                    OnReply(connection, RecordReader.ParseMessage(body));
                    break;
                case RecordOp.StreamRequest or RecordOp.StreamItem or RecordOp.StreamEnd:
                    streams.OnRecord(connection, op, RecordReader.ParseMessage(body));
                    break;
                default:
                    throw new FormatException($"unknown record op {(byte)op}");
            }
        }
    }

    private void OnControl(BrokerConnection connection, Control control)
    {
        switch (control.Kind)
        {
            case ControlKind.ControlSubscribe:
            {
                var prefix = Encoding.UTF8.GetBytes(control.Topic);
                if (!options.Permissions.MaySubscribe(connection.Component, prefix))
                {
                    RefuseOperation(connection, control.RequestId, control.Topic, "", options.Permissions.SubscribeRefusal(connection.Component, control.Topic));
                    return;
                }

                if (!connection.Subscriptions.Exists(s => s.Text == control.Topic))
                {
                    connection.Subscriptions.Add((control.Topic, prefix));
                }

                Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = control.RequestId, Topic = control.Topic });
                break;
            }

            case ControlKind.ControlUnsubscribe:
                connection.Subscriptions.RemoveAll(s => s.Text == control.Topic);
                Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = control.RequestId, Topic = control.Topic });
                break;
            case ControlKind.ControlPing:
                Reply(connection, new Control { Kind = ControlKind.ControlPong, RequestId = control.RequestId });
                break;
            case ControlKind.ControlConsumed:
                sender.Consumed(connection, control.ConsumedBytes);
                break;
            case ControlKind.ControlBye:
                remove(connection, "it said goodbye");
                break;
            case ControlKind.ControlStatusRequest:
                Reply(connection, new Control { Kind = ControlKind.ControlStatusReply, RequestId = control.RequestId, Status = snapshot(connection.Component) });
                break;
            case ControlKind.ControlStreamCredit or ControlKind.ControlStreamCancel:
                streams.OnControl(connection, control);
                break;
            default:
                RefuseOperation(connection, control.RequestId, "", "", $"control kind {control.Kind} is not accepted from clients");
                break;
        }
    }

    private void OnPublish(BrokerConnection connection, RecordOp op, MessageRecord message)
    {
        connection.MessagesIn++;
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("broker"));
        if (Invalid(message) is { } invalid)
        {
            RefuseOperation(connection, message.AckId, message.Topic, message.Correlation, invalid.Reason, invalid.Key);
            return;
        }

        if (!options.Permissions.MayPublish(connection.Component, message.Topic))
        {
            var topic = Encoding.UTF8.GetString(message.Topic);
            RefuseOperation(connection, message.AckId, message.Topic, message.Correlation, options.Permissions.PublishRefusal(connection.Component, topic), "permission");
            return;
        }

        RequestRoutes.Route? route = null;
        if (op == RecordOp.Request)
        {
            var refusal = message.Correlation.IsEmpty
                ? "a request needs a correlation id"
                : routes.Open(connection, message.Correlation, DateTime.UtcNow + options.MaxRequestLifetime, options.MaxPendingRequestsPerConnection, out route);
            if (refusal is not null)
            {
                RefuseOperation(connection, message.AckId, message.Topic, message.Correlation, refusal, "request");
                return;
            }
        }

        // Subscribers see the broker's correlation id for a request (never the requester's), and none for a publish.
        var correlation = route is null ? ReadOnlySpan<byte>.Empty : route.IdUtf8;
        foreach (var target in connections.Values)
        {
            if (!target.Authenticated || !target.IsSubscribed(message.Topic))
            {
                continue;
            }

            if (target.Outbox.Length > 0 && target.Outbox.Length + message.Envelope.Length + message.Topic.Length > BrokerSender.OutboxFlushBytes)
            {
                sender.Flush(target);
            }

            target.Outbox.WriteMessage(RecordOp.Deliver, 0, message.Topic, connection.ComponentUtf8, correlation, message.Envelope);
            target.OutboxRecords++;
            route?.DeliveredTo.Add(target);
        }

        if (route is { DeliveredTo.Count: 0 })
        {
            routes.Cancel(route);
            RefuseOperation(connection, message.AckId, message.Topic, message.Correlation, $"no subscriber for '{Encoding.UTF8.GetString(message.Topic)}'", "no-subscriber");
            return;
        }

        if (message.AckId != 0)
        {
            Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = message.AckId });
        }
    }

    private void OnReply(BrokerConnection connection, MessageRecord message)
    {
        connection.MessagesIn++;
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("broker"));
        if (Invalid(message) is { } invalid)
        {
            RefuseOperation(connection, 0, message.Topic, message.Correlation, invalid.Reason, invalid.Key);
            return;
        }

        if (routes.Take(message.Correlation, connection, out var why) is not { } route || !route.Requester.Authenticated || !connections.ContainsKey(route.Requester.Id))
        {
            sender.CountDrops(connection, 1, why.Length > 0 ? why : "requester-gone");
            if (why == "reply-not-delivered")
            {
                refusals.Count(why, $"'{connection.Component}' ({connection.Id}) answered a request it was never sent");
            }

            return;
        }

        var requester = route.Requester;
        requester.Outbox.WriteMessage(RecordOp.DeliverReply, 0, message.Topic, connection.ComponentUtf8, route.RequesterCorrelationUtf8, message.Envelope);
        requester.OutboxRecords++;
    }

    /// <summary>Field limits checked before anything is written, so a bad record refuses only its sender.</summary>
    private (string Reason, string Key)? Invalid(MessageRecord message)
    {
        if (message.Topic.Length > RecordWriter.MaxTopicBytes)
        {
            return ($"topic of {message.Topic.Length} bytes exceeds the limit of {RecordWriter.MaxTopicBytes} bytes", "topic-too-long");
        }

        if (message.Correlation.Length > RecordWriter.MaxCorrelationBytes)
        {
            return ($"correlation id of {message.Correlation.Length} bytes exceeds the limit of {RecordWriter.MaxCorrelationBytes} bytes", "correlation-too-long");
        }

        if (message.Envelope.Length > options.MaxMessageBytes)
        {
            return ($"message of {message.Envelope.Length} bytes exceeds the broker limit of {options.MaxMessageBytes} bytes", "message-too-large");
        }

        return null;
    }

    private void Reply(BrokerConnection connection, Control control)
    {
        connection.Outbox.WriteControl(control);
        connection.OutboxRecords++;
    }

    /// <summary>
    /// Requests that only <paramref name="gone"/> had received are refused to their requesters at once (a 503 at the
    /// gateway) instead of waiting out their timeout: a responder cut off by the network never answers them.
    /// </summary>
    public void FailRequestsDeliveredTo(BrokerConnection gone)
    {
        foreach (var route in routes.Abandon(gone))
        {
            if (route.Requester.Authenticated && connections.ContainsKey(route.Requester.Id))
            {
                RefuseOperation(route.Requester, 0, "", route.RequesterCorrelation, $"'{gone.Component}' left the bus before replying", "responder-gone");
            }
        }
    }

    private void RefuseOperation(BrokerConnection connection, ulong requestId, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> correlation, string reason, string reasonKey)
    {
        // Echo at most the field limits back: the refusal itself must be a well-formed record.
        var topicText = Encoding.UTF8.GetString(topic[..Math.Min(topic.Length, RecordWriter.MaxTopicBytes)]);
        var correlationText = Encoding.UTF8.GetString(correlation[..Math.Min(correlation.Length, RecordWriter.MaxCorrelationBytes)]);
        RefuseOperation(connection, requestId, topicText, correlationText, reason, reasonKey);
    }

    private void RefuseOperation(BrokerConnection connection, ulong requestId, string topic, string correlation, string reason, string reasonKey = "permission")
    {
        connection.Denied++;
        refusals.Count(reasonKey, $"'{connection.Component}' ({connection.Id}): {reason}");
        Reply(connection, new Control { Kind = ControlKind.ControlRefused, RequestId = requestId, Topic = topic, Reason = reason, CorrelationId = correlation });
    }
}
