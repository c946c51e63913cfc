using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// One log record as it travels over the bus. <see cref="Sequence"/> is assigned when the record leaves the
/// producer's buffer, so sequence numbers of one producer are contiguous and a gap at the consumer means loss in transit.
/// </summary>
public sealed class LogEntry
{
    public long Sequence { get; set; }

    public DateTimeOffset Timestamp { get; init; }

    public LogLevel Level { get; init; }

    /// <summary>The ILogger category, e.g. <c>AICO.Gateway.ChatEndpoints</c>.</summary>
    public required string Category { get; init; }

    public int EventId { get; init; }

    public required string Message { get; init; }

    public string? Exception { get; init; }

    public string? TraceId { get; init; }

    public string? SpanId { get; init; }

    /// <summary>Structured state and scope values as a JSON object, or null when there are none.</summary>
    public string? ExtraJson { get; internal set; }

    /// <summary>The structured state values of the log call as text, captured on the caller's thread.</summary>
    internal List<KeyValuePair<string, string?>>? State { get; init; }

    /// <summary>Scope values, captured on the caller's thread because scopes end.</summary>
    internal List<KeyValuePair<string, string?>>? Scopes { get; init; }

    /// <summary>Turns state and scopes into the extra JSON object off the caller's thread, just before the record is sent.</summary>
    internal void SealExtra()
    {
        try
        {
            WriteExtra();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // e.g. text with a lone surrogate, which JSON cannot carry: the record goes without its extra values.
            ExtraJson = "{\"extra_error\":\"" + ex.GetType().Name + "\"}";
        }
    }

    private void WriteExtra()
    {
        if (ExtraJson is not null || (State is not { Count: > 0 } && Scopes is not { Count: > 0 }))
        {
            return;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            // The first value of a name wins: the record's own state comes before its scopes.
            foreach (var (key, value) in (State ?? []).Concat(Scopes ?? []))
            {
                if (key is not null && seen.Add(key))
                {
                    json.WriteString(key, value);
                }
            }

            json.WriteEndObject();
        }

        ExtraJson = seen.Count == 0 ? null : System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The part of the category before its last dot (the namespace), or the category itself.</summary>
    public static string Subsystem(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot > 0 ? category[..dot] : category;
    }

    /// <summary>The part of the category after its last dot (the type name).</summary>
    public static string Module(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot > 0 && dot < category.Length - 1 ? category[(dot + 1)..] : category;
    }
}
