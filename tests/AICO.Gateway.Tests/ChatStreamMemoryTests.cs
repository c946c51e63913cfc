using System.Net.ServerSentEvents;
using AICO.TestSupport;

namespace AICO.Gateway.Tests;

/// <summary>
/// A caller that stops reading a streamed chat stops the backend too, holding memory. The heap measured is this test
/// process's (broker, gateway and model service run in it), so the class runs alone: tests of other classes running
/// beside it would count their own allocations as growth.
/// </summary>
[Collection(Name)]
[CollectionDefinition(Name, DisableParallelization = true)]
public class ChatStreamMemoryTests(GatewayOverBusFixture fixture) : IClassFixture<GatewayOverBusFixture>
{
    private const string Name = "chat stream memory (runs alone)";

    private FakeOllamaServer Ollama => fixture.Ollama;

    [Fact]
    public async Task A_client_that_stops_reading_stalls_the_stand_in_and_memory_stays_bounded()
    {
        using var timeout = new CancellationTokenSource(TestBus.Deadline * 2);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var bytesBefore = Ollama.BytesWritten;
        using var response = await StreamedChat.StartAsync(fixture.Gateway.Http, FakeOllamaServer.FloodModel, "stream please", timeout.Token);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync()); // then the client reads nothing more

        // The stand-in would write without end; with flow control every hop stops once its buffer is full.
        var last = -1L;
        while (Ollama.BytesWritten != last)
        {
            last = Ollama.BytesWritten;
            await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
        }

        var written = Ollama.BytesWritten - bytesBefore;
        var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        Assert.True(written < 32L * 1024 * 1024, $"the stand-in wrote {written / 1024} KiB before stalling");
        Assert.True(heapGrowth < 32L * 1024 * 1024, $"the heap of broker + gateway + model service grew by {heapGrowth / 1024} KiB");
        System.Console.WriteLine($"slow reader: stand-in stalled after {written / 1024} KiB; heap growth {heapGrowth / 1024} KiB");
    }
}
