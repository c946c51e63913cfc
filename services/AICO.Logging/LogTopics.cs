using AICO.Bus;
using AICO.Security;

namespace AICO.Logging;

/// <summary>Where log batches travel on the bus.</summary>
public static class LogTopics
{
    /// <summary>The prefix the log consumer subscribes to; only it may.</summary>
    public const string Prefix = "logs/";

    public const string BatchMessageType = "aico.logs.batch.v1";
    public const string AckMessageType = "aico.logs.ack.v1";

    /// <summary>
    /// One topic per producing component. A batch mixes categories (each record carries its own), so the category is
    /// not part of the topic: batching across categories keeps the records of a producer in one ordered stream.
    /// </summary>
    public static string ForComponent(string component) => $"{Prefix}{component}/batch";

    /// <summary>Whether a broker status shows a log consumer subscribed to every log topic.</summary>
    public static bool ConsumerSubscribed(BrokerStatus status) =>
        status.Clients.Any(c => c.Component == Components.LogConsumer
            && c.Subscriptions.Any(prefix => Prefix.StartsWith(prefix, StringComparison.Ordinal)));
}
