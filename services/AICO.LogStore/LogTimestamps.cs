using System.Globalization;

namespace AICO.LogStore;

/// <summary>
/// Timestamps in the logs table: ISO 8601 UTC with a fixed six-digit fraction, so text order is time order and a
/// range filter is a plain string comparison on the indexed column.
/// </summary>
public static class LogTimestamps
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string ToText(DateTimeOffset timestamp) => timestamp.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>The created_at column: when the row was stored, to the millisecond (SQLite's strftime('%Y-%m-%dT%H:%M:%fZ')).</summary>
    public static string ToStoredText(DateTimeOffset timestamp) => timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>
    /// A point in time from the command line or a query string: ISO 8601 (a date alone is midnight UTC, no offset is
    /// UTC), or a duration back from <paramref name="now"/> (<see cref="DurationText"/>: 30s, 15m, 2h, 7d).
    /// </summary>
    public static bool TryParseUserTime(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (DurationText.TryParse(text, out var ago))
        {
            value = now - ago;
            return true;
        }

        return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
