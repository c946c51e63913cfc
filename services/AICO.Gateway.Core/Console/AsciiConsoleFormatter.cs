using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace AICO.Gateway.Console;

/// <summary>
/// One plain line per record, "level: category[event] message", with every character outside printable ASCII
/// escaped as \uXXXX, so the console reads the same under LANG=C or any terminal encoding.
/// </summary>
internal sealed class AsciiConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "aico-ascii";

    public override void Write<TState>(in LogEntry<TState> logEntry, Microsoft.Extensions.Logging.IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = $"{Level(logEntry.LogLevel)}: {logEntry.Category}[{logEntry.EventId.Id}] {message}";
        if (logEntry.Exception is not null)
        {
            line += Environment.NewLine + logEntry.Exception;
        }

        textWriter.Write(Escape(line));
        textWriter.Write('\n');
    }

    public static string Escape(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~' or '\n' or '\t')
            {
                sb.Append(c);
            }
            else if (c != '\r')
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
