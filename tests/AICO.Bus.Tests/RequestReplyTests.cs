using System.Text;
using AICO.Security;

namespace AICO.Bus.Tests;

public class RequestReplyTests
{
    [Fact]
    public async Task A_request_gets_the_reply_with_its_correlation_id_from_the_handling_component()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        await using var handler = await model.SubscribeAsync("modelservice/chat/request/", async (request, ct) =>
            await model.ReplyAsync(request, "chat.reply", Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(request.Payload.Span)), ct), BusFixture.Timeout());

        var reply = await gateway.RequestAsync("modelservice/chat/request/v1", "chat.request", "hi"u8.ToArray(), TimeSpan.FromSeconds(30), BusFixture.Timeout());

        Assert.Equal("echo:hi", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(Components.ModelService, reply.SourceComponent);
        Assert.Equal("chat.reply", reply.MessageType);
        Assert.NotNull(reply.CorrelationId);
    }

    [Fact]
    public async Task A_request_nobody_answers_times_out()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var silent = await model.SubscribeAsync("modelservice/", (_, _) => { seen.TrySetResult(); return Task.CompletedTask; }, BusFixture.Timeout());

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            gateway.RequestAsync("modelservice/chat/request/v1", "chat.request", "hi"u8.ToArray(), TimeSpan.FromMilliseconds(500), BusFixture.Timeout()));

        Assert.Contains("no reply to 'modelservice/chat/request/v1'", error.Message);
        await seen.Task.WaitAsync(BusFixture.Timeout());
    }

    [Fact]
    public async Task A_request_whose_only_responder_leaves_the_bus_is_refused_at_once_instead_of_waiting_out_its_timeout()
    {
        await using var bus = new BusFixture();
        var model = new BusClient(bus.Keys.For(Components.ModelService), new BusClientOptions { Endpoint = bus.Endpoint });
        model.Start();
        await model.WaitUntilAuthenticatedAsync(BusFixture.Timeout());
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await model.SubscribeAsync("modelservice/", (_, _) => { seen.TrySetResult(); return Task.CompletedTask; }, BusFixture.Timeout());

        var request = gateway.RequestAsync("modelservice/embeddings/request/v1", "embeddings.request", "hi"u8.ToArray(), TimeSpan.FromMinutes(10), BusFixture.Timeout());
        await seen.Task.WaitAsync(BusFixture.Timeout());
        await model.DisposeAsync();

        var error = await Assert.ThrowsAsync<BusDeniedException>(() => request.WaitAsync(BusFixture.Deadline));
        Assert.Contains("'modelservice' left the bus before replying", error.Message);
    }

    [Fact]
    public async Task A_request_to_a_topic_without_subscribers_fails_fast_with_the_reason()
    {
        await using var bus = new BusFixture();
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);

        var error = await Assert.ThrowsAsync<BusDeniedException>(() =>
            gateway.RequestAsync("modelservice/embeddings/request/v1", "embed", "x"u8.ToArray(), TimeSpan.FromSeconds(30), BusFixture.Timeout()));

        Assert.Contains("no subscriber for 'modelservice/embeddings/request/v1'", error.Message);
    }

    [Fact]
    public async Task Replying_to_a_message_that_is_not_a_request_is_an_error()
    {
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var notARequest = new BusMessage("modelservice/x", "t", "gateway", "id", DateTimeOffset.UtcNow, default, new Dictionary<string, string>(), null);

        await Assert.ThrowsAsync<InvalidOperationException>(() => model.ReplyAsync(notARequest, "t", default, BusFixture.Timeout()).AsTask());
    }
}
