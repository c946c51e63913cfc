using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// Turns a log call into a <see cref="CapturedLogCall"/> in the process's buffer. Runs on the caller's thread and does
/// the least it safely can: the time, the trace as ids (not text), the exception as text, the scope values (read now,
/// shared while they do not change), and either a reference to a template state of immutable values (formatted later
/// by the worker) or the message and values read now.
/// The network is never touched here.
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
            var call = new CapturedLogCall
            {
                TimestampTicks = DateTime.UtcNow.Ticks,
                Level = logLevel,
                EventId = eventId.Id,
                Category = category,
                ExceptionText = exception?.ToString(),
            };

            if (Activity.Current is { } activity)
            {
                call.TraceId = activity.TraceId;
                call.SpanId = activity.SpanId;
                call.HasTrace = true;
            }

            call.Scopes = ScopeSnapshot.Capture(provider.ScopeProvider);
            if (DeferredState<TState>.IsTemplate && (object?)state is IReadOnlyList<KeyValuePair<string, object?>> template
                && DeferredState.ValuesAreImmutable(template))
            {
                call.State = template;
                call.Formatter = formatter;
                call.Format = DeferredState<TState>.Format;
                call.Exception = exception;
            }
            else
            {
                call.Message = formatter(state, exception);
                call.Values = CaptureValues(state as IReadOnlyList<KeyValuePair<string, object?>>);
            }

            provider.Buffer.Add(call);
        }
        finally
        {
            ReentrancyGuard.Exit();
        }
    }

    /// <summary>
    /// State values must be read now when they may change, like scopes: some states are views over live objects
    /// (ASP.NET Core's "Request starting" state reads the HttpRequest on every access and throws once the request
    /// has finished).
    /// </summary>
    private static KeyValuePair<string, string?>[]? CaptureValues(IReadOnlyList<KeyValuePair<string, object?>>? state)
    {
        var values = t_values ??= [];
        values.Clear();
        if (state is { Count: > 0 })
        {
            for (var i = 0; i < state.Count; i++)
            {
                KeyValuePair<string, object?> item;
                try
                {
                    item = state[i];
                }
                catch (Exception ex)
                {
                    values.Add(new("state_error", $"{ex.GetType().Name}: {ex.Message}"));
                    break;
                }

                if (item.Key != OriginalFormatKey)
                {
                    values.Add(new(item.Key, Text(item.Value)));
                }
            }
        }

        return values.Count == 0 ? null : values.ToArray();
    }

    [ThreadStatic]
    private static List<KeyValuePair<string, string?>>? t_values;

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
