using Microsoft.Data.Sqlite;
using Polly;
using Polly.Retry;

namespace AICO.Storage;

/// <summary>
/// The Polly pipeline every database operation runs in: transient SQLite errors are retried with exponential
/// backoff and jitter, a bounded number of times; <paramref name="onRetry"/> (error, retry number from 1) forces a
/// reconnect before each retry.
/// </summary>
internal static class DatabaseRetryPipeline
{
    public static ResiliencePipeline Create(StorageOptions options, Action<SqliteException, int> onRetry)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxRetryAttempts == 0)
        {
            return builder.Build();
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<SqliteException>(SqliteTransientErrors.IsTransient),
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            OnRetry = args =>
            {
                onRetry((SqliteException)args.Outcome.Exception!, args.AttemptNumber + 1);
                return default;
            },
        }).Build();
    }
}
