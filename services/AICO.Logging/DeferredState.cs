using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// Which log states may be formatted later, on the worker, instead of on the caller's thread: the template states
/// of Microsoft.Extensions.Logging (LogInformation's FormattedLogValues, LoggerMessage.Define's values), which are
/// structs holding the call's arguments, and only while every argument is an immutable value (string, number, enum,
/// date, Guid...). Anything else - ASP.NET Core's request states read the live HttpContext - is read now.
/// A caller that passes its own object[] and changes it after the call would see the change; `params` never does.
/// </summary>
internal static class DeferredState<TState>
{
    public static readonly bool IsTemplate =
        typeof(TState).IsValueType
        && typeof(TState).Assembly == typeof(ILogger).Assembly
        && typeof(IReadOnlyList<KeyValuePair<string, object?>>).IsAssignableFrom(typeof(TState));

    public static readonly DeferredFormat Format = static (state, formatter, exception) =>
        ((Func<TState, Exception?, string>)formatter)((TState)state, exception);
}

internal static class DeferredState
{
    /// <summary>True when every value can be read later with the same result.</summary>
    public static bool ValuesAreImmutable(IReadOnlyList<KeyValuePair<string, object?>> state)
    {
        try
        {
            for (var i = 0; i < state.Count; i++)
            {
                if (!IsImmutable(state[i].Value))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception)
        {
            // e.g. fewer arguments than placeholders: the caller's thread records what it can read, with a note.
            return false;
        }
    }

    /// <summary>True for values whose text cannot change after the call (exact types first: they are the common ones).</summary>
    public static bool IsImmutable(object? value)
    {
        if (value is null or string)
        {
            return true;
        }

        var type = value.GetType();
        return type == typeof(int) || type == typeof(long) || type == typeof(bool) || type == typeof(double)
            || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan)
            || type.IsPrimitive || type.IsEnum || value is decimal or DateOnly or TimeOnly;
    }
}
