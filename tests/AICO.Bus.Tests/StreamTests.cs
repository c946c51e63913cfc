using System.Text;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>Streamed request/reply through a real broker: order, flow control by credit, cancellation both ways.</summary>
public class StreamTests
{
    private const string Topic = "modelservice/chat/request/v1";

    private static readonly BusStreamOptions Small = new() { Window = 4, IdleTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Items_arrive_in_order_each_before_the_responder_writes_the_next_then_the_end()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var received = new SemaphoreSlim(0);
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            for (var i = 0; i < 10; i++)
            {
                await reply.WriteAsync("token", Encoding.UTF8.GetBytes($"t{i}"), ct);
                await received.WaitAsync(ct); // the next item is written only once the requester holds this one
            }

            await reply.CompleteAsync("done", "end"u8.ToArray(), ct);
        }, BusFixture.Timeout());

        var items = new List<string>();
        await foreach (var item in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, BusFixture.Timeout()))
        {
            items.Add($"{item.MessageType}:{Encoding.UTF8.GetString(item.Payload.Span)}:{item.IsStreamEnd}");
            received.Release();
        }

        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => $"token:t{i}:False"), "done:end:True"], items);
    }

    [Fact]
    public async Task A_reader_that_stops_taking_items_holds_the_responder_at_the_window()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var written = 0;
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            for (var i = 0; i < 10_000; i++)
            {
                await reply.WriteAsync("token", new byte[1024], reply.Cancelled);
                Interlocked.Increment(ref written);
            }
        }, BusFixture.Timeout());

        await using var items = gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, BusFixture.Timeout()).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync()); // sends the request
        var taken = 1;
        for (var round = 0; round < 3; round++)
        {
            // Each credit grant (every Window/4 items taken) lets exactly that many more items through, never more.
            await Eventually.TrueAsync(() => Volatile.Read(ref written) >= taken + Small.Window, $"the responder has the window's {taken + Small.Window} items out");
            await Task.Delay(200); // an observation period: a responder without flow control would keep going
            Assert.Equal(taken + Small.Window, Volatile.Read(ref written));
            Assert.True(await items.MoveNextAsync());
            taken++;
        }
    }

    [Fact]
    public async Task A_requester_that_stops_early_cancels_the_responder()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var cancelled = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            reply.Cancelled.Register(() => cancelled.TrySetResult(reply.CancelReason));
            await reply.WriteAsync("token", "first"u8.ToArray(), ct);
            await Task.Delay(Timeout.Infinite, reply.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default);
        }, BusFixture.Timeout());

        using var caller = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, caller.Token))
            {
                await caller.CancelAsync(); // the HTTP caller went away after the first token
            }
        });

        Assert.Contains("requester", await cancelled.Task.WaitAsync(BusFixture.Timeout()));
    }

    [Fact]
    public async Task A_responder_that_goes_away_ends_the_stream_with_an_error_at_once()
    {
        await using var bus = new BusFixture();
        var model = bus.Client(Components.ModelService);
        await model.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            var reply = model.OpenReplyStream(request);
            await reply.WriteAsync("token", "first"u8.ToArray(), ct);
            started.TrySetResult();
        }, BusFixture.Timeout());

        var error = await Assert.ThrowsAsync<BusDeniedException>(async () =>
        {
            await foreach (var _ in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, BusFixture.Timeout()))
            {
                await started.Task;
                await model.DisposeAsync();
            }
        });

        Assert.Contains("went away", error.Message);
    }

    [Fact]
    public async Task A_stream_request_without_a_subscriber_is_refused_with_the_reason()
    {
        await using var bus = new BusFixture();
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);

        var error = await Assert.ThrowsAsync<BusDeniedException>(async () =>
        {
            await foreach (var _ in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, BusFixture.Timeout()))
            {
            }
        });

        Assert.Contains($"no subscriber for '{Topic}'", error.Message);
    }

    [Fact]
    public async Task A_monitor_subscribed_to_everything_does_not_take_the_stream_from_the_specific_subscriber()
    {
        await using var bus = new BusFixture();
        var monitor = await bus.AuthenticatedClientAsync(Components.Cli);
        var monitored = 0;
        await using var watch = await monitor.SubscribeAsync("", (_, _) => { Interlocked.Increment(ref monitored); return Task.CompletedTask; }, BusFixture.Timeout());
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            await reply.CompleteAsync("done", "from the model service"u8.ToArray(), ct);
        }, BusFixture.Timeout());

        var items = new List<BusMessage>();
        await foreach (var item in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), Small, BusFixture.Timeout()))
        {
            items.Add(item);
        }

        Assert.Equal("from the model service", Encoding.UTF8.GetString(Assert.Single(items).Payload.Span));
        Assert.Equal(Components.ModelService, items[0].SourceComponent);
        Assert.Equal(0, Volatile.Read(ref monitored));
    }
}
