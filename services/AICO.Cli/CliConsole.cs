using System.Text;
using System.Text.Json;

namespace AICO.Cli;

/// <summary>
/// All CLI output goes through here: results on stdout, diagnostics on stderr, both ASCII-safe
/// (anything outside printable ASCII is escaped) so a LANG=C terminal or a log file never sees mojibake.
/// </summary>
public sealed class CliConsole(TextWriter stdout, TextWriter stderr)
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions JsonLineOptions = new(JsonOptions) { WriteIndented = false };

    public void Line(string text) => stdout.WriteLine(AsciiSafe(text));

    /// <summary>Text without a line end, flushed at once (a streamed answer appears as it arrives).</summary>
    public void Text(string text)
    {
        stdout.Write(AsciiSafe(text));
        stdout.Flush();
    }

    public void Error(string text) => stderr.WriteLine("error: " + AsciiSafe(text));

    public void Warning(string text) => stderr.WriteLine("warning: " + AsciiSafe(text));

    /// <summary>Progress of long work, on stderr so stdout stays clean for results.</summary>
    public void Progress(string text) => stderr.WriteLine(AsciiSafe(text));

    /// <summary>Asks on stderr, reads the answer from stdin; only y/yes confirms (no input, e.g. a closed stdin, does not).</summary>
    public bool Confirm(string question)
    {
        stderr.Write(AsciiSafe(question) + " [y/N] ");
        stderr.Flush();
        var answer = Console.In.ReadLine()?.Trim();
        return answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Non-ASCII can only occur inside JSON strings, where a \uXXXX escape is valid JSON.</summary>
    public void Json<T>(T value, bool indented = true) =>
        stdout.WriteLine(AsciiSafe(JsonSerializer.Serialize(value, indented ? JsonOptions : JsonLineOptions)));

    public static string AsciiSafe(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var printable = c is >= ' ' and <= '~' or '\n' or '\t';
            if (printable && sb is null)
            {
                continue;
            }

            sb ??= new StringBuilder(text, 0, i, text.Length + 16);
            if (printable)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(c == '\r' ? "\\r" : $"\\u{(int)c:x4}");
            }
        }

        return sb?.ToString() ?? text;
    }
}
