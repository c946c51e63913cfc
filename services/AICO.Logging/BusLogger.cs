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
                State = CaptureState(state as IReadOnlyList<KeyValuePair<string, object?>>),
                Scopes = CaptureScopes(),
            });
        }
        finally
        {
            ReentrancyGuard.Exit();
        }
    }

    /// <summary>
    /// State values must be read now, like scopes: some states are views over live objects (ASP.NET Core's
    /// "Request starting" state reads the HttpRequest on every access and throws once the request has finished).
    /// </summary>
    private static List<KeyValuePair<string, string?>>? CaptureState(IReadOnlyList<KeyValuePair<string, object?>>? state)
    {
        if (state is not { Count: > 0 })
        {
            return null;
        }

        List<KeyValuePair<string, string?>>? values = null;
        for (var i = 0; i < state.Count; i++)
        {
            KeyValuePair<string, object?> item;
            try
            {
                item = state[i];
            }
            catch (Exception ex)
            {
                (values ??= []).Add(new("state_error", $"{ex.GetType().Name}: {ex.Message}"));
                break;
            }

            if (item.Key != OriginalFormatKey)
            {
                (values ??= []).Add(new(item.Key, Text(item.Value)));
            }
        }

        return values;
    }

    /// <summary>Scope values must be read now: scopes end.</summary>
    private List<KeyValuePair<string, string?>>? CaptureScopes()
    {
        var collector = t_scopes ??= new ScopeCollector();
        collector.Values = null;
        provider.ScopeProvider.ForEachScope(static (scope, c) => c.Add(scope), collector);
        var values = collector.Values;
        collector.Values = null;
        return values;
    }

    [ThreadStatic]
    private static ScopeCollector? t_scopes;

    private sealed class ScopeCollector
    {
        public List<KeyValuePair<string, string?>>? Values;

        public void Add(object? scope)
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    if (key != OriginalFormatKey)
                    {
                        (Values ??= []).Add(new(key, Text(value)));
                    }
                }
            }
            else if (scope is not null)
            {
                (Values ??= []).Add(new("Scope", Text(scope)));
            }
        }
    }

    /// <summary>A value as text; a ToString that throws yields a note instead of failing the log call.</summary>
    internal static string? Text(object? value)
    {
        try
        {
            return value switch
            {
                null => null,
                string s => s,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }
        catch (Exception ex)
        {
            return $"<{ex.GetType().Name} from ToString: {ex.Message}>";
        }
    }
}
