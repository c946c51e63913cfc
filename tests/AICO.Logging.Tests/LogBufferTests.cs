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
    public void Records_given_back_go_in_front_of_those_added_meanwhile_and_a_full_ring_drops_them_first()
    {
        var buffer = new LogBuffer(6, new WorkSignal());
        for (var i = 1; i <= 4; i++)
        {
            buffer.Add(new CapturedLogCall { Category = "c", Message = i.ToString() });
        }

        var taken = new CapturedLogCall[4];
        Assert.Equal(4, buffer.TakeOldest(taken));
        buffer.Add(new CapturedLogCall { Category = "c", Message = "5" });
        buffer.ReturnOldest(taken.AsSpan(2)); // "3" and "4" did not fit the batch
        var all = new CapturedLogCall[10];
        Assert.Equal(3, buffer.TakeOldest(all));
        Assert.Equal(["3", "4", "5"], all.Take(3).Select(e => e.Message));
        Assert.Equal(0, buffer.DroppedTotal);

        for (var i = 6; i <= 10; i++)
        {
            buffer.Add(new CapturedLogCall { Category = "c", Message = i.ToString() });
        }

        buffer.ReturnOldest(taken.AsSpan(0, 2)); // room for one: "2" goes back, "1", the oldest, is dropped and counted
        Assert.Equal(6, buffer.TakeOldest(all));
        Assert.Equal(["2", "6", "7", "8", "9", "10"], all.Take(6).Select(e => e.Message));
        Assert.Equal(1, buffer.DroppedTotal);
    }

    [Fact]
    public void The_default_capacity_holds_at_least_ten_thousand_records()
    {
        Assert.True(new BusLoggingOptions().BufferCapacity >= 10_000);
    }
}
