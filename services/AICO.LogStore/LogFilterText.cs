namespace AICO.LogStore;

/// <summary>
/// The log filters as a user types them, `aico logs --level warning --since 2h` or `GET /api/v1/logs?level=warning&amp;since=2h`,
/// turned into one <see cref="LogFilter"/> with one meaning per filter. Blank values are no filter; grep text is taken as typed. Problems are
/// reported per field under the API's names (level, since, until, trace_id); each surface words the field its own way.
/// </summary>
public sealed record LogFilterText
{
    public string? Level { get; init; }
    public string? Component { get; init; }
    public string? Subsystem { get; init; }
    public string? Since { get; init; }
    public string? Until { get; init; }
    public string? TraceId { get; init; }
    public string? Grep { get; init; }

    public static string LevelNames => string.Join(", ", LogLevelNames.All).ToLowerInvariant();

    /// <summary>The filter, or null with at least one entry in <paramref name="problems"/> (field name to message).</summary>
    public LogFilter? ToFilter(DateTimeOffset now, out IReadOnlyDictionary<string, string> problems)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        Microsoft.Extensions.Logging.LogLevel? minimum = null;
        if (Value(Level) is { } level)
        {
            if (LogLevelNames.TryParse(level, out var parsed))
            {
                minimum = parsed;
            }
            else
            {
                errors["level"] = $"'{level}' is not a level; use one of {LevelNames}";
            }
        }

        var since = Time(Value(Since), "since", now, errors);
        var until = Time(Value(Until), "until", now, errors);
        if (since is not null && until is not null && since >= until)
        {
            errors["until"] = "must be later than since";
        }

        var traceId = Value(TraceId);
        if (traceId is not null && (traceId.Length != 32 || !traceId.All(Uri.IsHexDigit)))
        {
            errors["trace_id"] = $"'{traceId}' is not a trace id (32 hexadecimal digits)";
        }

        problems = errors;
        return errors.Count > 0 ? null : new LogFilter
        {
            MinimumLevel = minimum,
            Component = Value(Component),
            Subsystem = Value(Subsystem),
            Since = since,
            Until = until,
            TraceId = traceId?.ToLowerInvariant(),
            Grep = string.IsNullOrEmpty(Grep) ? null : Grep, // taken literally: leading spaces can matter
        };
    }

    private static DateTimeOffset? Time(string? text, string field, DateTimeOffset now, Dictionary<string, string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (LogTimestamps.TryParseUserTime(text, now, out var value))
        {
            return value;
        }

        errors[field] = NotADate(text);
        return null;
    }

    public static string NotADate(string text) =>
        $"'{text}' is not a date: use ISO 8601 (2026-11-25 or 2026-11-25T18:00:00Z) or a duration ago ({DurationText.Forms})";

    private static string? Value(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
