using AICO.LogStore;

namespace AICO.Cli;

/// <summary>RFC 4180 CSV of log rows: every field quoted, quotes doubled, so messages with commas and newlines survive.</summary>
internal static class LogCsv
{
    public const string Header = "id,timestamp,level,component,subsystem,module,message,trace_id,span_id,exception,extra,producer,sequence,created_at";

    public static string Row(LogRecordRow r) => string.Join(',',
        r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Quote(r.Timestamp), Quote(r.Level), Quote(r.Component),
        Quote(r.Subsystem), Quote(r.Module), Quote(r.Message), Quote(r.TraceId), Quote(r.SpanId), Quote(r.Exception), Quote(r.Extra),
        Quote(r.Producer), r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), Quote(r.CreatedAt));

    private static string Quote(string? value) => value is null ? "" : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
