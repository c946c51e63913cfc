using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

/// <summary>A second, ordinary logger provider beside the bus logger: counts what every category logged.</summary>
internal sealed class CountingLoggerProvider : ILoggerProvider
{
    public ConcurrentDictionary<string, int> ByCategory { get; } = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => new Counter(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Counter(string category, CountingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.ByCategory.AddOrUpdate(category, 1, (_, n) => n + 1);
    }
}
