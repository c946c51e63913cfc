using System.Text;

namespace AICO.Logging;

/// <summary>How a record too big for one bus message is cut: each text to a length, saying how much was left out.</summary>
internal static class RecordCut
{
    public static string Text(string text, int characters)
    {
        if (text.Length <= characters)
        {
            return text;
        }

        var kept = char.IsHighSurrogate(text[characters - 1]) ? characters - 1 : characters;
        return $"{text.AsSpan(0, kept)} [cut: {text.Length - kept} more characters]";
    }

    /// <summary>An extra JSON object over <paramref name="bytes"/> is replaced by one that gives its size.</summary>
    public static ReadOnlySpan<byte> Extra(ReadOnlySpan<byte> json, int bytes) =>
        json.Length <= bytes ? json : Encoding.UTF8.GetBytes($"{{\"cut_extra_bytes\":{json.Length}}}");
}
