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
                State = Snapshot(state as IReadOnlyList<KeyValuePair<string, object?>>),
                Scopes = CaptureScopes(),
            });
        }
        finally
        {
            ReentrancyGuard.Exit();
        }
    }

    /// <summary>
    /// A state list may read its values lazily from objects that do not outlive the call (ASP.NET Core's request log
    /// reads the HttpContext, which is recycled after the request): copy the pairs now, turn them into text later.
    /// </summary>
    private static KeyValuePair<string, object?>[]? Snapshot(IReadOnlyList<KeyValuePair<string, object?>>? state)
    {
        if (state is not { Count: > 0 })
        {
            return null;
        }

        var copy = new KeyValuePair<string, object?>[state.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = state[i];
        }

        return copy;
    }

    /// <summary>Scope values must be read now (scopes end); state values are copied now and formatted by the worker.</summary>
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

    internal static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
