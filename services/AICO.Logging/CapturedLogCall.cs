using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// What the caller's thread keeps of one log call, as a struct in the buffer's ring (no allocation of its own).
/// Either <see cref="Message"/> and <see cref="Values"/> were made on the caller's thread, or the call's
/// <see cref="State"/> (a template state holding only immutable values) is formatted later by the worker; the values
/// of active scopes are always read on the caller's thread (<see cref="Scopes"/>).
/// </summary>
internal struct CapturedLogCall
{
    public long TimestampTicks;
    public LogLevel Level;
    public int EventId;
    public string Category; // never null in a filled slot
    public ActivityTraceId TraceId;
    public ActivitySpanId SpanId;
    public bool HasTrace;

    /// <summary>The formatted message, when it had to be made on the caller's thread.</summary>
    public string? Message;

    /// <summary>State values as text, read on the caller's thread (null: none, or the state is deferred).</summary>
    public KeyValuePair<string, string?>[]? Values;

    /// <summary>Scope values as text, read on the caller's thread; shared with other records (never written).</summary>
    public KeyValuePair<string, string?>[]? Scopes;

    /// <summary>The exception as text: read now, because a rethrow changes its stack trace.</summary>
    public string? ExceptionText;

    /// <summary>A deferred template state (boxed), its formatter, and the exception the formatter receives.</summary>
    public object? State;
    public Delegate? Formatter;
    public DeferredFormat? Format;
    public Exception? Exception;

    /// <summary>A ready extra JSON object (the pipeline's own "dropped" record).</summary>
    public string? ExtraJson;
}

/// <summary>Calls a deferred state's typed formatter from the worker.</summary>
internal delegate string DeferredFormat(object state, Delegate formatter, Exception? exception);
