using System.Text;
using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>Streams that go wrong on the responder's side: a request no handler can take, a responder that ignores credit.</summary>
public class StreamMisuseTests
{
    private const string Topic = "modelservice/chat/request/v1";

    [Fact]
    public async Task A_stream_request_the_responders_full_handler_queue_drops_ends_at_once_and_leaves_no_entry_behind()
    {
        await using var bus = new BusFixture();
        // One request in the handler, one waiting in its queue of one: the third has nowhere to go.
        await using var model = new BusClient(bus.Keys.For(Components.ModelService), new BusClientOptions { Endpoint = bus.Endpoint, SubscriptionCapacity = 1 });
        model.Start();
        await model.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            busy.TrySetResult();
            await release.Task.WaitAsync(ct);
            await reply.CompleteAsync("done", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request.Payload.Span)), ct);
        }, BusFixture.Timeout());

        var options = new BusStreamOptions { Window = 4, IdleTimeout = TimeSpan.FromSeconds(20) };
        var first = ReadAllAsync(gateway, "first", options);
        await busy.Task.WaitAsync(BusFixture.Timeout());
        var queued = ReadAllAsync(gateway, "queued", options);
        // The broker keeps one requester's order to one responder: "queued" is in the handler queue before this arrives.
        var dropped = await ReadAllAsync(gateway, "dropped", options).WaitAsync(BusFixture.Timeout());

        var end = Assert.Single(dropped);
        Assert.True(end.IsStreamEnd);
        Assert.Equal(BusReplyStream.DroppedType, end.MessageType);
        Assert.Contains($"no handler of '{Topic}' could take the request", Encoding.UTF8.GetString(end.Payload.Span));

        release.TrySetResult();
        Assert.Equal("first", Encoding.UTF8.GetString(Assert.Single(await first).Payload.Span));
        Assert.Equal("queued", Encoding.UTF8.GetString(Assert.Single(await queued).Payload.Span));
        Assert.Equal(0, model.OpenReplyStreams);
    }

    [Fact]
    public async Task A_responder_that_sends_an_item_without_credit_loses_the_stream_but_not_its_connection_and_the_requester_gets_the_reason()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        // Window 8: the reader grants credit every 2 items, so until it takes a second item the broker holds exactly 8.
        var options = new BusStreamOptions { Window = 8, IdleTimeout = TimeSpan.FromSeconds(20) };
        var cheated = new TaskCompletionSource<(string? Reason, Exception? NextWrite)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = 0;
        await using var handler = await model.SubscribeAsync(Topic, async (request, ct) =>
        {
            await using var reply = model.OpenReplyStream(request);
            if (Interlocked.Increment(ref requests) > 1)
            {
                await reply.CompleteAsync("done", "honest"u8.ToArray(), ct);
                return;
            }

            reply.Grant(1000); // credit the requester never granted, as a broken or hostile responder would assume
            for (var i = 0; i <= options.Window; i++)
            {
                await reply.WriteAsync("token", Encoding.UTF8.GetBytes($"t{i}"), ct); // the last one is over the window
            }

            await Task.Delay(Timeout.Infinite, reply.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default);
            var nextWrite = await Record.ExceptionAsync(() => reply.WriteAsync("token", "more"u8.ToArray(), ct).AsTask());
            cheated.TrySetResult((reply.CancelReason, nextWrite));
        }, BusFixture.Timeout());

        var (reason, nextWrite) = ((string?)null, (Exception?)null);
        var received = new List<string>();
        var error = await Assert.ThrowsAsync<BusDeniedException>(async () =>
        {
            await foreach (var item in gateway.RequestStreamAsync(Topic, "chat", "hi"u8.ToArray(), options, BusFixture.Timeout()))
            {
                if (received.Count == 0)
                {
                    // Before the reader takes a second item (which would grant credit), the broker has judged all nine.
                    (reason, nextWrite) = await cheated.Task.WaitAsync(BusFixture.Timeout());
                }

                received.Add(Encoding.UTF8.GetString(item.Payload.Span));
            }
        });

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"t{i}"), received);
        Assert.Contains("sent an item without credit", error.Message);
        Assert.Equal("an item was sent without credit", reason);
        Assert.IsAssignableFrom<OperationCanceledException>(nextWrite);
        var status = await bus.Broker.GetStatusAsync();
        Assert.True(status.Clients.Single(c => c.Component == Components.ModelService).Dropped >= 1);

        // The sender keeps its connection: only the stream it abused is gone.
        Assert.Equal(BusConnectionState.Authenticated, model.State);
        var next = new List<BusMessage>();
        await foreach (var item in gateway.RequestStreamAsync(Topic, "chat", "again"u8.ToArray(), options, BusFixture.Timeout()))
        {
            next.Add(item);
        }

        Assert.Equal("honest", Encoding.UTF8.GetString(Assert.Single(next).Payload.Span));
    }

    private static async Task<List<BusMessage>> ReadAllAsync(BusClient client, string payload, BusStreamOptions options)
    {
        var items = new List<BusMessage>();
        await foreach (var item in client.RequestStreamAsync(Topic, "chat", Encoding.UTF8.GetBytes(payload), options, BusFixture.Timeout()))
        {
            items.Add(item);
        }

        return items;
    }
}
