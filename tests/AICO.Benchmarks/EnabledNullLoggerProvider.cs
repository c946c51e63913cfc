using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// A provider whose logger accepts every level and does nothing: what Microsoft.Extensions.Logging itself costs per
/// call and provider, the floor the bus logger is measured against.
/// </summary>
internal sealed class EnabledNullLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => EnabledNullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class EnabledNullLogger : ILogger
    {
        public static readonly EnabledNullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NoScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }

    internal sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }
}
