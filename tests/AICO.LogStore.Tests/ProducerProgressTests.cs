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
    public void A_clone_is_independent_so_a_rolled_back_transaction_leaves_the_progress_untouched()
    {
        var p = new ProducerProgress("x/1");
        p.Committed(1);
        var attempt = p.Clone();
        attempt.Committed(2);
        attempt.Duplicate();
        Assert.Equal(1, p.Contiguous);
        Assert.Equal(0, p.Duplicates);
        Assert.Equal(2, attempt.Contiguous);
    }

    [Fact]
    public void Restoring_from_the_database_rebuilds_ranges_above_the_contiguous_mark()
    {
        var p = ProducerProgress.Restore("x/1", contiguous: 10, maxSequence: 14, received: 12, duplicates: 1, [12, 14]);
        Assert.Equal(2, p.OpenGaps); // 11, 13
        p.Committed(11);
        Assert.Equal(12, p.Contiguous);
        p.Committed(13);
        Assert.Equal(14, p.Contiguous);
    }
}
