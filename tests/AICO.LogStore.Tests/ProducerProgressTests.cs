using AICO.LogStore;

namespace AICO.LogStore.Tests;

public class ProducerProgressTests
{
    [Fact]
    public void In_order_sequences_advance_the_contiguous_mark()
    {
        var p = new ProducerProgress("gateway/1");
        for (var i = 1; i <= 5; i++)
        {
            p.Committed(i);
        }

        Assert.Equal(5, p.Contiguous);
        Assert.Equal(0, p.OpenGaps);
        Assert.Equal(5, p.Received);
    }

    [Fact]
    public void A_gap_is_counted_until_it_is_filled_and_the_contiguous_mark_never_skips_it()
    {
        var p = new ProducerProgress("gateway/1");
        foreach (var s in new long[] { 1, 2, 6, 7, 9 })
        {
            p.Committed(s);
        }

        Assert.Equal(2, p.Contiguous);
        Assert.Equal(4, p.OpenGaps); // 3, 4, 5, 8
        p.Committed(4);
        p.Committed(3);
        Assert.Equal(4, p.Contiguous);
        Assert.Equal(2, p.OpenGaps);
        p.Committed(5);
        Assert.Equal(7, p.Contiguous);
        p.Committed(8);
        Assert.Equal(9, p.Contiguous);
        Assert.Equal(0, p.OpenGaps);
    }

    [Fact]
    public void Random_arrival_order_ends_contiguous_with_no_gaps()
    {
        var random = new Random(11);
        var order = Enumerable.Range(1, 2000).Select(i => (long)i).OrderBy(_ => random.Next()).ToList();
        var p = new ProducerProgress("x/1");
        var seen = new HashSet<long>();
        foreach (var s in order)
        {
            p.Committed(s);
            seen.Add(s);
            var expected = 0L;
            while (seen.Contains(expected + 1))
            {
                expected++;
            }

            Assert.Equal(expected, p.Contiguous);
            Assert.Equal(seen.Max() - seen.Count, p.OpenGaps);
        }

        Assert.Equal(2000, p.Contiguous);
    }

    [Fact]
    public void Restoring_from_the_database_rebuilds_ranges_above_the_contiguous_mark()
    {
        var p = ProducerProgress.Restore("x/1", id: 1, contiguous: 10, maxSequence: 16, received: 14, duplicates: 1, "12-12,14-16");
        Assert.Equal(2, p.OpenGaps); // 11, 13
        Assert.Equal("12-12,14-16", p.CommittedAboveText);
        Assert.True(p.Holds(10) && p.Holds(12) && p.Holds(15));
        Assert.False(p.Holds(11) || p.Holds(13) || p.Holds(17));
        p.Committed(11);
        Assert.Equal(12, p.Contiguous);
        p.Committed(13);
        Assert.Equal(16, p.Contiguous);
        Assert.Equal("", p.CommittedAboveText);
    }

    [Theory]
    [InlineData("12")]
    [InlineData("12-x")]
    [InlineData("14-12")]
    [InlineData("14-16,12-12")]
    [InlineData("12-13,13-14")]
    [InlineData("5-12")]
    public void A_damaged_committed_ranges_text_is_refused_rather_than_trusted(string text) =>
        Assert.Throws<FormatException>(() => ProducerProgress.Restore("x/1", 1, 10, 16, 14, 0, text));
}
