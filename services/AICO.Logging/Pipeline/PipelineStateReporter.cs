namespace AICO.Logging.Pipeline;

/// <summary>Writes this producer's <see cref="ProducerPipelineState"/> once a second while it changes.</summary>
internal sealed class PipelineStateReporter(string directory, Func<ProducerPipelineState> snapshot, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ProducerPipelineState? last = null;
        var failed = false;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            var state = snapshot();
            if (last is not null && state with { UpdatedAt = last.UpdatedAt } == last && time.GetUtcNow() - last.UpdatedAt < TimeSpan.FromSeconds(30))
            {
                continue;
            }

            try
            {
                Directory.CreateDirectory(directory);
                PipelineStateFiles.Write(directory, state);
                last = state;
                failed = false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (!failed)
                {
                    LoggingDiagnostics.Write($"{state.Producer}: pipeline state not written to {directory} ({ex.Message})");
                }

                failed = true;
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
