using System.Diagnostics;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>Builds the envelope of an outgoing message and encodes its record on the caller's thread.</summary>
internal static class MessageEncoder
{
    public static EncodedRecord Encode(string component, int maxMessageBytes, RecordOp op, ulong ackId, string topic, string correlation, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (payload.Length > maxMessageBytes)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds the bus limit of {maxMessageBytes} bytes", nameof(payload));
        }

        var envelope = new Envelope
        {
            MessageId = Guid.NewGuid().ToString("N"),
            TimestampUnixMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
            SourceComponent = component,
            MessageType = messageType ?? "",
            Version = 1,
            Payload = UnsafeByteOperations.UnsafeWrap(payload),
            CorrelationId = correlation,
        };
        if (attributes is not null)
        {
            foreach (var (key, value) in attributes)
            {
                envelope.Attributes[key] = value;
            }
        }

        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            envelope.Traceparent = activity.Id ?? "";
            envelope.Tracestate = activity.TraceStateString ?? "";
        }

        var (buffer, length) = RecordWriter.EncodeMessage(op, ackId, topic, correlation, envelope);
        return new EncodedRecord(buffer, length);
    }
}
