using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AICO.Logging;

/// <summary>
/// The worker's half of a log call: the message of a deferred state, and the state and scope values as the extra
/// JSON object (the first value of a name wins: the record's own state comes before its scopes). Reuses its buffers.
/// </summary>
internal sealed class LogCallFormatter
{
    private const string OriginalFormatKey = "{OriginalFormat}";
    private readonly ArrayBufferWriter<byte> _json = new(256);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Utf8JsonWriter _writer;

    public LogCallFormatter() => _writer = new Utf8JsonWriter(_json);

    public static string Message(in CapturedLogCall call)
    {
        if (call.Message is { } message)
        {
            return message;
        }

        try
        {
            return call.Format!(call.State!, call.Formatter!, call.Exception);
        }
        catch (Exception ex)
        {
            return $"<log message could not be formatted: {ex.GetType().Name}: {ex.Message}>";
        }
    }

    /// <summary>The extra JSON object of the call as UTF-8 (valid until the next call), or empty when it has no values.</summary>
    public ReadOnlySpan<byte> Extra(in CapturedLogCall call)
    {
        if (call.ExtraJson is { } ready)
        {
            return Encoding.UTF8.GetBytes(ready);
        }

        if (call.Values is null && call.State is null && call.Scopes is null)
        {
            return [];
        }

        _json.ResetWrittenCount();
        _writer.Reset(_json);
        _seen.Clear();
        try
        {
            _writer.WriteStartObject();
            if (call.Values is { } values)
            {
                foreach (var (key, value) in values)
                {
                    Write(key, value);
                }
            }
            else if (call.State is IReadOnlyList<KeyValuePair<string, object?>> state)
            {
                for (var i = 0; i < state.Count; i++)
                {
                    var (key, value) = state[i];
                    if (key != OriginalFormatKey)
                    {
                        Write(key, value);
                    }
                }
            }

            foreach (var (key, value) in call.Scopes ?? [])
            {
                Write(key, value);
            }

            _writer.WriteEndObject();
            _writer.Flush();
            return _seen.Count == 0 ? [] : _json.WrittenSpan;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // e.g. text with a lone surrogate, which JSON cannot carry: the record goes without its extra values.
            _writer.Reset();
            return Encoding.UTF8.GetBytes("{\"extra_error\":\"" + ex.GetType().Name + "\"}");
        }
    }

    private void Write(string? key, string? value)
    {
        if (key is not null && _seen.Add(key))
        {
            _writer.WriteString(key, value);
        }
    }

    /// <summary>
    /// A deferred state's value: numbers, dates, Guids and enums are formatted into a stack buffer (the text of
    /// <see cref="BusLogger.Text"/>, without a string per value, the worker's largest allocation after the message).
    /// </summary>
    private void Write(string? key, object? value)
    {
        if (key is null || !_seen.Add(key))
        {
            return;
        }

        if (value is ISpanFormattable formattable)
        {
            Span<char> text = stackalloc char[64];
            bool formatted;
            int written;
            try
            {
                formatted = formattable.TryFormat(text, out written, default, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                formatted = false;
                written = 0;
            }

            if (formatted)
            {
                _writer.WriteString(key, text[..written]);
                return;
            }
        }

        _writer.WriteString(key, BusLogger.Text(value));
    }
}
