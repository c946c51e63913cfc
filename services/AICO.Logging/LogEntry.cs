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

    /// <summary>State and scope values captured on the caller's thread; turned into JSON by the worker.</summary>
    internal List<KeyValuePair<string, string?>>? Properties { get; init; }

    /// <summary>Serialises <see cref="Properties"/> off the caller's thread, just before the record is sent.</summary>
    internal void SealExtra()
    {
        if (Properties is not { Count: > 0 } || ExtraJson is not null)
        {
            return;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in Properties)
            {
                // The first value of a name wins: the record's own state comes before its scopes.
                if (seen.Add(key))
                {
                    json.WriteString(key, value);
                }
            }

            json.WriteEndObject();
        }

        ExtraJson = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
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
