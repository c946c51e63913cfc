using AICO.Bus;

namespace AICO.Logging;

/// <summary>One log batch sent to the consumer as a request; its reply is the acknowledgement.</summary>
internal static class LogBatchRequest
{
    /// <summary>The consumer's acknowledgement, checked to name <paramref name="producer"/>.</summary>
    /// <exception cref="FormatException">The acknowledgement names another producer or is malformed.</exception>
    public static async Task<LogAck> SendAsync(IBusClient bus, string topic, string producer, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Anything the bus client logs synchronously on this thread is ignored, not fed back into the buffer.
        Task<BusMessage> request;
        var entered = ReentrancyGuard.TryEnter();
        try
        {
            request = bus.RequestAsync(topic, LogTopics.BatchMessageType, payload, timeout, cancellationToken);
        }
        finally
        {
            if (entered)
            {
                ReentrancyGuard.Exit();
            }
        }

        var ack = LogAck.Decode((await request.ConfigureAwait(false)).Payload.Span);
        return ack.Producer == producer ? ack : throw new FormatException($"acknowledgement names producer '{ack.Producer}'");
    }
}
