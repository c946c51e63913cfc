using Polly;
using Polly.Retry;

namespace AICO.LogStore;

/// <summary>
/// How the log consumer waits out a failure it may not skip (the database not writable yet, the subscription refused,
/// a commit that failed beyond the storage pipeline's own retries): the same attempt again every
/// <see cref="LogConsumerOptions.WriteRetryDelay"/> on the injected clock, until it succeeds or the consumer stops.
/// Giving up would drop records that already reached the consumer.
/// </summary>
internal sealed class LogConsumerRetry(TimeSpan delay, TimeProvider time)
{
    private readonly ResiliencePipeline _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Constant,
            Delay = delay,
        })
        .Build();

    /// <summary>Runs <paramref name="attempt"/> until it returns; <paramref name="onFailure"/> hears of each failed attempt.</summary>
    public ValueTask<T> UntilSuccessAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, Action<Exception> onFailure, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(async token =>
        {
            try
            {
                return await attempt(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                onFailure(ex);
                throw;
            }
        }, cancellationToken);
}
