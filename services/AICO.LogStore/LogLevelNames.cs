using Microsoft.Extensions.Logging;

namespace AICO.LogStore;

/// <summary>How levels are spelled in the logs table (the original system's names) and on the command line.</summary>
public static class LogLevelNames
{
    private static readonly (LogLevel Level, string Name)[] Names =
    [
        (LogLevel.Trace, "TRACE"),
        (LogLevel.Debug, "DEBUG"),
        (LogLevel.Information, "INFO"),
        (LogLevel.Warning, "WARNING"),
        (LogLevel.Error, "ERROR"),
        (LogLevel.Critical, "CRITICAL"),
    ];

    public static IReadOnlyList<string> All { get; } = Names.Select(n => n.Name).ToArray();

    public static string ToName(LogLevel level) => Array.Find(Names, n => n.Level == level).Name ?? "NONE";

    /// <summary>The stored names of <paramref name="minimum"/> and every more severe level.</summary>
    public static IReadOnlyList<string> AtLeast(LogLevel minimum) =>
        Names.Where(n => n.Level >= minimum).Select(n => n.Name).ToArray();

    /// <summary>Accepts the stored names and .NET's (trace, debug, info, information, warn, warning, error, critical, fatal).</summary>
    public static bool TryParse(string? text, out LogLevel level)
    {
        level = LogLevel.None;
        switch (text?.Trim().ToUpperInvariant())
        {
            case "TRACE": level = LogLevel.Trace; return true;
            case "DEBUG": level = LogLevel.Debug; return true;
            case "INFO" or "INFORMATION": level = LogLevel.Information; return true;
            case "WARN" or "WARNING": level = LogLevel.Warning; return true;
            case "ERROR": level = LogLevel.Error; return true;
            case "CRITICAL" or "FATAL": level = LogLevel.Critical; return true;
            default: return false;
        }
    }
}
