using System.Diagnostics;
using AICO.Security;

namespace AICO.Bus.Tests;

public class TracePropagationTests
{
    [Fact]
    public async Task A_handler_runs_in_an_activity_of_the_publishers_trace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "AICO.Bus" || s.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");
        await using var bus = new BusFixture();
        var model = await bus.AuthenticatedClientAsync(Components.ModelService);
        var gateway = await bus.AuthenticatedClientAsync(Components.Gateway);
        var handled = new TaskCompletionSource<(ActivityTraceId TraceId, ActivitySpanId ParentSpan)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await model.SubscribeAsync("modelservice/", (_, _) =>
        {
            handled.TrySetResult((Activity.Current!.TraceId, Activity.Current.ParentSpanId));
            return Task.CompletedTask;
        }, BusFixture.Timeout());

        ActivityTraceId traceId;
        ActivitySpanId spanId;
        using (var request = source.StartActivity("http request"))
        {
            traceId = request!.TraceId;
            spanId = request.SpanId;
            Assert.True(gateway.TryPublish("modelservice/chat/request/v1", "chat", new byte[1]));
        }

        var (handlerTrace, handlerParent) = await handled.Task.WaitAsync(BusFixture.Timeout());
        Assert.Equal(traceId, handlerTrace);
        Assert.Equal(spanId, handlerParent);
    }
}
