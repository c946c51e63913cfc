using System.Text;

namespace AICO.Logging;

/// <summary>
/// The logging pipeline's own voice: plain ASCII lines on stderr, never an ILogger (that could recurse into the
/// pipeline it is reporting on).
/// </summary>
public static class LoggingDiagnostics
{
    public static void Write(string message)
    {
        try
        {
            Console.Error.WriteLine("aico-logging: " + Ascii(message));
        }
        catch (IOException)
        {
            // stderr closed: there is nowhere left to report to.
        }
    }

    private static string Ascii(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return sb.ToString();
    }
}
