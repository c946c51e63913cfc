using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// Turns a log call into a <see cref="LogEntry"/> in the process's buffer. Runs on the caller's thread: formats,
/// captures state, scopes and the current trace, and returns; the network is never touched here.
/// </summary>
internal sealed class BusLogger(string category, BusLoggerProvider provider) : ILogger
{
    private const string OriginalFormatKey = "{OriginalFormat}";
    private readonly bool _ignored = BusLoggerProvider.IsInfrastructureCategory(category);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
        provider.ScopeProvider.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && !_ignored && provider.Accepting;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        if (!ReentrancyGuard.TryEnter())
        {
            provider.CountReentrant();
            return;
        }

        try
        {
            var activity = Activity.Current;
            provider.Buffer.Add(new LogEntry
            {
                Timestamp = DateTimeOffset.UtcNow,
                Level = logLevel,
                Category = category,
                EventId = eventId.Id,
                Message = formatter(state, exception),
                Exception = exception?.ToString(),
                TraceId = activity?.TraceId.ToHexString(),
                SpanId = activity?.SpanId.ToHexString(),
                Properties = CaptureProperties(state),
            });
        }
        finally
        {
            ReentrancyGuard.Exit();
        }
    }

    private List<KeyValuePair<string, string?>>? CaptureProperties<TState>(TState state)
    {
        List<KeyValuePair<string, string?>>? properties = null;
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                var (key, value) = values[i];
                if (key != OriginalFormatKey)
                {
                    (properties ??= new List<KeyValuePair<string, string?>>(values.Count)).Add(new(key, Text(value)));
                }
            }
        }

        provider.ScopeProvider.ForEachScope(static (scope, list) => AddScope(scope, list), properties ??= []);
        return properties.Count > 0 ? properties : null;
    }

    private static void AddScope(object? scope, List<KeyValuePair<string, string?>> properties)
    {
        if (scope is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key != OriginalFormatKey)
                {
                    properties.Add(new(key, Text(value)));
                }
            }
        }
        else if (scope is not null)
        {
            properties.Add(new("Scope", Text(scope)));
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
