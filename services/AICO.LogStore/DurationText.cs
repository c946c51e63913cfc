using System.Globalization;

namespace AICO.LogStore;

/// <summary>
/// The short durations users type: a whole number and a unit, <c>30s</c>, <c>15m</c>, <c>2h</c>, <c>7d</c> (units in
/// either case). The one parser behind `--since 2h`, `since=2h` in the API, `--before 30d` and `--ttl 1h`.
/// </summary>
public static class DurationText
{
    /// <summary>Longer spans are typing mistakes, and would leave the range of a date when subtracted from now.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36_500);

    public const string Forms = "30s, 15m, 2h, 7d";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        text = text?.Trim();
        if (text is not { Length: >= 2 }
            || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long unitSeconds = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => 0,
        };
        if (unitSeconds == 0 || amount > (long)Max.TotalSeconds / unitSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(amount * unitSeconds);
        return true;
    }
}
