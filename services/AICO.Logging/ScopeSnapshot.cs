using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// The values of the active scopes as text, read on the caller's thread when it logs (scopes end, and a scope value
/// may change). Consecutive calls under the same scopes share one array: each call still reads every value, but a
/// new array is made only when a name or a text differs from the last one this thread captured. A published array
/// is never written again, so records in the buffer may share it.
/// </summary>
internal sealed class ScopeSnapshot
{
    private const string OriginalFormatKey = "{OriginalFormat}";

    [ThreadStatic]
    private static ScopeSnapshot? t_current;

    private readonly List<KeyValuePair<string, string?>> _building = [];
    private readonly List<object?> _buildingRaw = [];
    private KeyValuePair<string, string?>[] _published = [];
    private object?[] _publishedRaw = [];
    private int _index;
    private bool _changed;

    /// <summary>The scope values of this thread's current scopes, outermost first; null when there are none.</summary>
    public static KeyValuePair<string, string?>[]? Capture(IExternalScopeProvider scopes)
    {
        var snapshot = t_current ??= new ScopeSnapshot();
        snapshot._index = 0;
        snapshot._changed = false;
        try
        {
            scopes.ForEachScope(static (scope, s) => s.AddScope(scope), snapshot);
        }
        catch (Exception ex)
        {
            // A scope whose values cannot be read (e.g. a view over a finished request) costs its values, not the record.
            snapshot.Add("scope_error", $"{ex.GetType().Name}: {ex.Message}");
        }

        return snapshot.Finish();
    }

    private void AddScope(object? scope)
    {
        switch (scope)
        {
            case null:
                break;
            case IReadOnlyList<KeyValuePair<string, object?>> list:
                for (var i = 0; i < list.Count; i++)
                {
                    var (key, value) = list[i];
                    if (key != OriginalFormatKey)
                    {
                        Add(key, value);
                    }
                }

                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    if (key != OriginalFormatKey)
                    {
                        Add(key, value);
                    }
                }

                break;
            default:
                Add("Scope", scope);
                break;
        }
    }

    private void Add(string key, object? value)
    {
        var i = _index++;
        if (!_changed && i < _published.Length && _published[i].Key == key)
        {
            if (SameText(_publishedRaw[i], value))
            {
                return;
            }

            var text = BusLogger.Text(value);
            if (text == _published[i].Value)
            {
                return;
            }

            BeginChange(i);
            _building.Add(new(key, text));
            _buildingRaw.Add(value);
            return;
        }

        if (!_changed)
        {
            BeginChange(i);
        }

        _building.Add(new(key, BusLogger.Text(value)));
        _buildingRaw.Add(value);
    }

    /// <summary>The values read so far equal the published ones: start a new array with them.</summary>
    private void BeginChange(int upTo)
    {
        _changed = true;
        _building.Clear();
        _buildingRaw.Clear();
        for (var i = 0; i < upTo; i++)
        {
            _building.Add(_published[i]);
            _buildingRaw.Add(_publishedRaw[i]);
        }
    }

    private KeyValuePair<string, string?>[]? Finish()
    {
        if (!_changed && _index == _published.Length)
        {
            return _index == 0 ? null : _published;
        }

        if (!_changed)
        {
            BeginChange(_index);
        }

        _published = [.. _building];
        _publishedRaw = [.. _buildingRaw];
        _building.Clear();
        _buildingRaw.Clear();
        return _published.Length == 0 ? null : _published;
    }

    /// <summary>
    /// True when the value is certain to give the text it gave last time without calling ToString: the same string, or
    /// an equal value of a type whose equal values always print the same (not floating point or decimal: 0.0 and -0.0,
    /// 1.0m and 1.00m are equal and print differently; not DateTimeOffset: equal instants in two offsets).
    /// </summary>
    private static bool SameText(object? previous, object? value)
    {
        if (ReferenceEquals(previous, value))
        {
            return value is null or string || DeferredState.IsImmutable(value);
        }

        if (value is null || previous is null)
        {
            return false;
        }

        if (value is string s)
        {
            return previous is string p && p == s;
        }

        var type = value.GetType();
        return type == previous.GetType()
            && (type == typeof(int) || type == typeof(long) || type == typeof(bool) || type == typeof(Guid)
                || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong)
                || type == typeof(char) || type == typeof(TimeSpan) || type.IsEnum)
            && value.Equals(previous);
    }
}
