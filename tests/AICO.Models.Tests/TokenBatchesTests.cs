using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace AICO.Models.Tests;

/// <summary>
/// How the model service cuts a token sequence into bus frames (<see cref="TokenBatches"/>), against scripted sources
/// and a clock that moves only when the test says: the first token never waits, a flood is gathered while the frame gap
/// runs, a pace slower than the gap is never held, and reading goes on (bounded) while a frame waits for credit.
/// The same behaviour over a real broker and the Ollama stand-in is in <see cref="ChatStreamingTests"/>.
/// </summary>
public class TokenBatchesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new();
    private readonly Channel<IReadOnlyList<string>> _sent = Channel.CreateUnbounded<IReadOnlyList<string>>();

    private ValueTask Record(IReadOnlyList<string> batch, CancellationToken cancellationToken)
    {
        _sent.Writer.TryWrite(batch);
        return ValueTask.CompletedTask;
    }

    private List<IReadOnlyList<string>> SentSoFar()
    {
        var batches = new List<IReadOnlyList<string>>();
        while (_sent.Reader.TryRead(out var batch))
        {
            batches.Add(batch);
        }

        return batches;
    }

    private static IEnumerable<string> Tokens(int from, int count) => Enumerable.Range(from, count).Select(i => $"t{i} ");

    private static async IAsyncEnumerable<string> Flood(int count)
    {
        foreach (var token in Tokens(0, count))
        {
            yield return token;
        }

        await Task.CompletedTask;
    }

    /// <summary>Yields each token once the test writes it into <paramref name="script"/>; ends when the script completes.</summary>
    private static async IAsyncEnumerable<string> Scripted(ChannelReader<string> script, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var token in script.ReadAllAsync(cancellationToken))
        {
            yield return token;
        }
    }

    [Fact]
    public async Task The_first_token_leaves_alone_at_once_and_a_flood_behind_it_is_gathered_instead_of_costing_a_frame_each()
    {
        var all = await TokenBatches.SendAsync(Flood(1000), Record, _clock, CancellationToken.None).WaitAsync(Deadline);

        var batches = SentSoFar();
        Assert.Equal(Tokens(0, 1000), all);
        Assert.Equal(["t0 "], batches[0]);
        // The clock never moved: no gap ran out, so everything after the first token waited for the end of the answer.
        Assert.Equal(2, batches.Count);
        Assert.Equal(Tokens(1, 999), batches[1]);
    }

    [Fact]
    public async Task A_model_slower_than_the_frame_gap_is_never_held_every_token_leaves_as_it_arrives()
    {
        var script = Channel.CreateUnbounded<string>();
        var sending = TokenBatches.SendAsync(Scripted(script.Reader), Record, _clock, CancellationToken.None);
        foreach (var token in Tokens(0, 5))
        {
            script.Writer.TryWrite(token);
            Assert.Equal([token], await _sent.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
            _clock.Advance(TokenBatches.MinFrameGap);
        }

        script.Writer.TryComplete();
        await sending.WaitAsync(Deadline);
        Assert.Empty(SentSoFar());
    }

    [Fact]
    public async Task Tokens_held_back_by_the_gap_leave_when_it_has_run_even_while_the_model_is_silent()
    {
        var script = Channel.CreateUnbounded<string>();
        var sending = TokenBatches.SendAsync(Scripted(script.Reader), Record, _clock, CancellationToken.None);
        script.Writer.TryWrite("t0 ");
        Assert.Equal(["t0 "], await _sent.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
        script.Writer.TryWrite("t1 ");
        script.Writer.TryWrite("t2 ");
        await Eventually.TrueAsync(() => script.Reader.Count == 0, "the model service read both tokens");
        Assert.Equal(0, _sent.Reader.Count);

        // The model now says nothing more; the two tokens wait only for the gap, not for a next token. The clock moves
        // again until they leave: the sender may start its gap timer just after a move, and would then wait for the next.
        await Eventually.TrueAsync(
            () =>
            {
                _clock.Advance(TokenBatches.MinFrameGap);
                return _sent.Reader.Count > 0;
            },
            "the held tokens left once the gap had run");
        Assert.Equal(["t1 ", "t2 "], Assert.Single(SentSoFar()));

        script.Writer.TryComplete();
        await sending.WaitAsync(Deadline);
    }

    [Fact]
    public async Task While_a_frame_waits_for_credit_the_model_is_still_read_and_what_it_wrote_meanwhile_leaves_as_the_next_frame()
    {
        var credit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        ValueTask Send(IReadOnlyList<string> batch, CancellationToken cancellationToken)
        {
            _sent.Writer.TryWrite(batch);
            return Interlocked.Increment(ref calls) == 2 ? new ValueTask(credit.Task) : ValueTask.CompletedTask;
        }

        var script = Channel.CreateUnbounded<string>();
        var sending = TokenBatches.SendAsync(Scripted(script.Reader), Send, _clock, CancellationToken.None);
        script.Writer.TryWrite("t0 ");
        await _sent.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
        _clock.Advance(TokenBatches.MinFrameGap);
        script.Writer.TryWrite("t1 "); // leaves at once, then waits for credit
        Assert.Equal(["t1 "], await _sent.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
        foreach (var token in Tokens(2, 4))
        {
            script.Writer.TryWrite(token);
        }

        await Eventually.TrueAsync(() => script.Reader.Count == 0, "the model service read on while its frame waited for credit");
        _clock.Advance(TokenBatches.MinFrameGap);
        Assert.Equal(0, _sent.Reader.Count);
        credit.SetResult();
        Assert.Equal(Tokens(2, 4), await _sent.Reader.ReadAsync().AsTask().WaitAsync(Deadline));

        script.Writer.TryComplete();
        Assert.Equal(Tokens(0, 6), await sending.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_requester_that_grants_no_credit_stops_the_reading_after_one_full_frame_so_the_model_is_slowed_not_buffered()
    {
        var never = new TaskCompletionSource();
        ValueTask Send(IReadOnlyList<string> batch, CancellationToken cancellationToken) => new(never.Task.WaitAsync(cancellationToken));

        var read = 0;
        async IAsyncEnumerable<string> Endless([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var big = new string('x', 1024);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref read);
                yield return big;
                await Task.Yield();
            }
        }

        using var stop = new CancellationTokenSource();
        var sending = TokenBatches.SendAsync(Endless(), Send, _clock, stop.Token);
        // The first token leaves (and waits for credit forever); the next frame fills up to its character bound.
        var bound = 1 + TokenBatches.MaxBatchChars / 1024;
        await Eventually.TrueAsync(() => Volatile.Read(ref read) >= bound, "the reading filled the next frame");
        var settled = Volatile.Read(ref read);
        for (var i = 0; i < 100; i++)
        {
            await Task.Yield();
        }

        Assert.Equal(settled, Volatile.Read(ref read));
        Assert.True(settled <= bound, $"read {settled} tokens of 1 KiB with no credit (bound {bound})");

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_failed_send_stops_the_reading_of_the_model_and_is_what_the_caller_sees()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async IAsyncEnumerable<string> Silent([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return "t0 ";
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        }

        ValueTask Fail(IReadOnlyList<string> batch, CancellationToken cancellationToken) => ValueTask.FromException(new IOException("the bus connection was lost"));

        var error = await Assert.ThrowsAsync<IOException>(() => TokenBatches.SendAsync(Silent(), Fail, _clock, CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal("the bus connection was lost", error.Message);
        await cancelled.Task.WaitAsync(Deadline);
    }
}
