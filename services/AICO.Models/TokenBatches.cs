namespace AICO.Models;

/// <summary>
/// Sends a token sequence in batches from the task that reads it, with no hand-off: a token that finds the stream idle
/// leaves at once, on the thread that read it. A stream sends at most one batch per <see cref="MinFrameGap"/>, because
/// every frame costs the bus CPU on several threads of three processes (docs/decisions.md, issue 10): a model slower
/// than one token per gap (every local model) is never held, while the tokens of a faster source are gathered while the
/// gap runs. While a batch waits for the requester's credit, reading goes on into the next one; at
/// <see cref="MaxBatchChars"/> characters the reading (and so the backend, through its connection) waits too.
/// </summary>
internal static class TokenBatches
{
    public const int MaxBatchChars = 16 * 1024;

    public static readonly TimeSpan MinFrameGap = TimeSpan.FromMilliseconds(1);

    /// <summary>Sends every token through <paramref name="send"/> in order; returns them all once the last batch is sent.</summary>
    public static async Task<List<string>> SendAsync(
        IAsyncEnumerable<string> tokens, Func<IReadOnlyList<string>, CancellationToken, ValueTask> send, TimeProvider time, CancellationToken cancellationToken)
    {
        var all = new List<string>();
        var pending = new List<string>();
        var pendingChars = 0;
        long? lastSend = null;
        Task? sending = null;
        Task<bool>? waiting = null;

        // Stopped on every way out, so a source still waiting (a model silent between tokens) ends before it is disposed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var source = tokens.GetAsyncEnumerator(stop.Token);
        try
        {
            while (true)
            {
                var next = source.MoveNextAsync();
                bool more;
                if (next.IsCompleted)
                {
                    more = next.GetAwaiter().GetResult();
                }
                else
                {
                    // The source has to wait: the moment to send what is gathered, or to wait for a token, a credit or the gap.
                    waiting = next.AsTask();
                    while (!waiting.IsCompleted)
                    {
                        if (sending is not null)
                        {
                            await Task.WhenAny(waiting, sending).ConfigureAwait(false);
                            if (sending.IsCompleted)
                            {
                                var sent = sending;
                                sending = null;
                                await sent.ConfigureAwait(false);
                            }
                        }
                        else if (pending.Count == 0)
                        {
                            break;
                        }
                        else if (GapLeft() is var left && left > TimeSpan.Zero)
                        {
                            // Whole milliseconds: a Task.Delay of less than one would complete at once.
                            await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), time, CancellationToken.None)).ConfigureAwait(false);
                        }
                        else
                        {
                            sending = Send();
                        }
                    }

                    more = await waiting.ConfigureAwait(false);
                    waiting = null;
                }

                if (!more)
                {
                    break;
                }

                var token = source.Current;
                all.Add(token);
                pending.Add(token);
                pendingChars += token.Length;
                if (sending is { IsCompleted: true } done)
                {
                    sending = null;
                    await done.ConfigureAwait(false);
                }

                if (pendingChars >= MaxBatchChars && sending is not null)
                {
                    var sent = sending;
                    sending = null;
                    await sent.ConfigureAwait(false);
                }

                if (sending is null && (pendingChars >= MaxBatchChars || GapLeft() <= TimeSpan.Zero))
                {
                    sending = Send();
                }
            }

            if (sending is not null)
            {
                await sending.ConfigureAwait(false);
                sending = null;
            }

            if (pending.Count > 0 && Send() is { } last)
            {
                await last.ConfigureAwait(false);
            }

            return all;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (waiting is not null)
            {
                await ((Task)waiting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (sending is not null)
            {
                await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await source.DisposeAsync().ConfigureAwait(false);
        }

        TimeSpan GapLeft() => lastSend is { } at ? MinFrameGap - time.GetElapsedTime(at) : TimeSpan.Zero;

        // Null when the batch left at once (credit in hand), else the send still waiting for credit.
        Task? Send()
        {
            var batch = pending;
            pending = [];
            pendingChars = 0;
            lastSend = time.GetTimestamp();
            var sent = send(batch, cancellationToken);
            if (sent.IsCompletedSuccessfully)
            {
                sent.GetAwaiter().GetResult();
                return null;
            }

            return sent.AsTask();
        }
    }
}
