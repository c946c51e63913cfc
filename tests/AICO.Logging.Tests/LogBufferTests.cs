using AICO.Logging;

namespace AICO.Logging.Tests;

public class LogBufferTests
{
    [Fact]
    public void Overflow_drops_the_oldest_and_counts_every_drop_once()
    {
        var buffer = new LogBuffer(100, new WorkSignal());
        for (var i = 1; i <= 150; i++)
        {
            buffer.Add(new CapturedLogCall { Category = "c", Message = i.ToString() });
        }

        Assert.Equal(100, buffer.Count);
        Assert.Equal(50, buffer.DroppedTotal);
        Assert.Equal(50, buffer.TakeUnreportedDrops());
        Assert.Equal(0, buffer.TakeUnreportedDrops());

        var taken = new CapturedLogCall[1000];
        Assert.Equal(100, buffer.TakeOldest(taken));
        Assert.Equal(Enumerable.Range(51, 100).Select(i => i.ToString()), taken.Take(100).Select(e => e.Message));
        Assert.Equal(0, buffer.TakeOldest(taken));
    }

    [Fact]
    public void The_default_capacity_holds_at_least_ten_thousand_records()
    {
        Assert.True(new BusLoggingOptions().BufferCapacity >= 10_000);
    }
}
