using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps the log pipeline out of the traces: the bus spans of shipping log batches ("request logs/...") and of
/// consuming them ("receive logs/...") are never sampled, so they neither appear in the dashboard nor start traces
/// of their own. The records themselves carry the trace id of the work that logged them. Every other span,
/// including bus requests of user work, goes to the inner sampler (parent-based, always on, as OpenTelemetry's default).
/// </summary>
public sealed class LogPipelineTraceFilter(Sampler inner) : Sampler
{
    /// <summary>The topic prefix of log batches (AICO.Logging's LogTopics.Prefix; the bus names its spans "request|receive {topic}").</summary>
    public const string LogTopicPrefix = "logs/";

    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

    public LogPipelineTraceFilter()
        : this(new ParentBasedSampler(new AlwaysOnSampler()))
    {
    }

    public static bool IsLogPipelineSpan(string name) =>
        name.StartsWith("request " + LogTopicPrefix, StringComparison.Ordinal)
        || name.StartsWith("receive " + LogTopicPrefix, StringComparison.Ordinal);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        IsLogPipelineSpan(samplingParameters.Name) ? Dropped : inner.ShouldSample(samplingParameters);
}
