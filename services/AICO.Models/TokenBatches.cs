using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AICO.Models;

/// <summary>
/// Reads a token sequence on its own task and hands out everything already produced as one batch, in order. A token
/// that arrives while the consumer waits leaves alone at once; tokens produced while the consumer was busy (sending the
/// last batch, or waiting for the requester's credit) leave together, so a fast model costs one bus frame per batch,
/// not one per token. At most <see cref="MaxBatchChars"/> characters per batch (or one token, if larger); the reading
/// stops (and so does the backend, through its connection) while <see cref="MaxWaitingTokens"/> wait.
/// </summary>
internal static class TokenBatches
{
    public const int MaxWaitingTokens = 256;
    public const int MaxBatchChars = 16 * 1024;

    public static async IAsyncEnumerable<IReadOnlyList<string>> ReadAsync(IAsyncEnumerable<string> tokens, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var waiting = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxWaitingTokens) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(tokens, waiting.Writer, stop.Token), CancellationToken.None);
        try
        {
            // Not cancelled itself: a cancel stops the pump, which completes the channel; its failure surfaces below.
            while (await waiting.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var batch = new List<string>();
                var chars = 0;
                while (chars < MaxBatchChars && waiting.Reader.TryRead(out var token))
                {
                    batch.Add(token);
                    chars += token.Length;
                }

                yield return batch;
            }

            await pump.ConfigureAwait(false); // the backend's failure or the cancel, if any
        }
        finally
        {
            // The consumer stopped early (its caller went away, or sending failed): stop the backend too.
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task PumpAsync(IAsyncEnumerable<string> tokens, ChannelWriter<string> into, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var token in tokens.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await into.WriteAsync(token, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            into.TryComplete();
        }
    }
}
