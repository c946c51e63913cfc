using System.Text;
using System.Threading.Channels;
using AICO.Security;

namespace AICO.Bus.Tests;

public class PubSubTests
{
    [Fact]
    public async Task An_authorized_subscriber_receives_what_an_authorized_client_publishes()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var received = Channel.CreateUnbounded<BusMessage>();
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) => received.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());

        Assert.True(gateway.TryPublish("logs/gateway/http/v1", "log", Encoding.UTF8.GetBytes("hello bus"), new Dictionary<string, string> { ["level"] = "info" }));

        var message = await received.Reader.ReadAsync(BusFixture.Timeout());
        Assert.Equal("logs/gateway/http/v1", message.Topic);
        Assert.Equal("gateway", message.SourceComponent);
        Assert.Equal("log", message.MessageType);
        Assert.Equal("hello bus", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal("info", message.Attributes["level"]);
        Assert.Equal(BusConnectionState.Authenticated, gateway.State);
    }

    [Fact]
    public async Task The_broker_status_lists_clients_by_component_with_their_subscriptions()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var cli = await bus.AuthenticatedClientAsync(Components.Cli);
        await using var subscription = await consumer.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout());

        var status = await cli.GetBrokerStatusAsync(BusFixture.Timeout());

        var logConsumer = Assert.Single(status.Clients, c => c.Component == Components.LogConsumer);
        Assert.Contains("logs/", logConsumer.Subscriptions);
        Assert.Contains(status.Clients, c => c.Component == Components.Cli);
    }

    [Fact]
    public async Task Many_messages_arrive_in_order_and_none_is_lost()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        const int count = 20_000;
        var seen = 0;
        var ordered = true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) =>
        {
            ordered &= BitConverter.ToInt32(m.Payload.Span) == seen;
            if (++seen == count)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        }, BusFixture.Timeout());

        for (var i = 0; i < count; i++)
        {
            await gateway.PublishAsync("logs/gateway/x", "n", BitConverter.GetBytes(i));
        }

        await done.Task.WaitAsync(BusFixture.Timeout());
        Assert.True(ordered);
        Assert.Equal(0, gateway.Dropped);
        Assert.Equal(0, consumer.Dropped);
    }

    [Fact]
    public async Task Large_and_small_messages_mixed_arrive_intact()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var received = Channel.CreateUnbounded<BusMessage>();
        await using var subscription = await consumer.SubscribeAsync("logs/", (m, _) => received.Writer.WriteAsync(m).AsTask(), BusFixture.Timeout());
        var sizes = new[] { 10, 900_000, 50_000, 1, 1_000_000, 70_000, 3 };
        var random = new Random(7);
        var payloads = sizes.Select(n => { var p = new byte[n]; random.NextBytes(p); return p; }).ToArray();

        foreach (var payload in payloads)
        {
            await gateway.PublishAsync("logs/gateway/blob", "blob", payload);
        }

        foreach (var payload in payloads)
        {
            var message = await received.Reader.ReadAsync(BusFixture.Timeout());
            Assert.True(payload.AsSpan().SequenceEqual(message.Payload.Span), $"payload of {payload.Length} bytes differs");
        }

        Assert.Equal(0, gateway.Dropped + consumer.Dropped);
    }

    [Fact]
    public async Task Disposing_a_subscription_removes_it_at_the_broker_and_disposing_the_client_after_is_clean()
    {
        await using var bus = new BusFixture();
        var consumer = await bus.AuthenticatedClientAsync(Components.LogConsumer);
        var subscription = await consumer.SubscribeAsync("logs/", (_, _) => Task.CompletedTask, BusFixture.Timeout());
        Assert.Contains("logs/", (await bus.Broker.GetStatusAsync()).Clients.Single(c => c.Component == Components.LogConsumer).Subscriptions);

        await subscription.DisposeAsync();

        await Eventually.TrueAsync(
            async () => (await bus.Broker.GetStatusAsync()).Clients.Single(c => c.Component == Components.LogConsumer).Subscriptions.Count == 0,
            "the broker drops the subscription");
        await consumer.DisposeAsync();
        await subscription.DisposeAsync();
        Assert.Equal(BusConnectionState.Disposed, consumer.State);
    }
}
