namespace AICO.LogStore;

/// <summary>
/// What the consumer has committed of one producer's sequence: the highest contiguous sequence (what it
/// acknowledges), the committed ranges above it, and counters. <see cref="OpenGaps"/> is how many sequence numbers
/// below the highest one seen are still missing: 0 when everything arrived, even if it arrived out of order.
/// It is also the consumer's de-duplication (the logs table has no unique index): a sequence it <see cref="Holds"/>
/// is stored already. The ranges are saved as text (<see cref="CommittedAboveText"/>) in log_producers.
/// </summary>
internal sealed class ProducerProgress(string producer)
{
    // Committed ranges above Contiguous + 1, sorted, disjoint, not adjacent to each other or to Contiguous.
    private readonly List<(long First, long Last)> _above = [];

    public string Producer { get; } = producer;

    /// <summary>The producer's log_producers.id, which its rows carry as producer_id (the time index's key for --component).</summary>
    public long Id { get; init; }

    public long Contiguous { get; private set; }

    public long MaxSequence { get; private set; }

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public long OpenGaps
    {
        get
        {
            var committedAbove = 0L;
            foreach (var (first, last) in _above)
            {
                committedAbove += last - first + 1;
            }

            return MaxSequence - Contiguous - committedAbove;
        }
    }

    /// <summary>The committed ranges above <see cref="Contiguous"/>, as stored: "first-last,first-last" ("" for none).</summary>
    public string CommittedAboveText => string.Join(',', _above.Select(r => FormattableString.Invariant($"{r.First}-{r.Last}")));

    /// <summary>Rebuilds the accounting from its log_producers row; <paramref name="committedAbove"/> as <see cref="CommittedAboveText"/> wrote it.</summary>
    public static ProducerProgress Restore(string producer, long id, long contiguous, long maxSequence, long received, long duplicates, string committedAbove)
    {
        var progress = new ProducerProgress(producer) { Id = id, Contiguous = contiguous, MaxSequence = Math.Max(maxSequence, contiguous), Received = received, Duplicates = duplicates };
        var previous = progress.Contiguous + 1;
        foreach (var range in committedAbove.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            if (dash < 1 || !long.TryParse(range.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture, out var first) ||
                !long.TryParse(range.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture, out var last) ||
                first <= previous || first > last)
            {
                throw new FormatException(
                    $"log_producers.committed_above of {producer} holds '{range}': expected ascending, separated first-last ranges above {contiguous + 1}");
            }

            progress._above.Add((first, last));
            progress.MaxSequence = Math.Max(progress.MaxSequence, last);
            previous = last + 1;
        }

        return progress;
    }

    /// <summary>Whether a row with this sequence is already stored.</summary>
    public bool Holds(long sequence)
    {
        if (sequence <= Contiguous)
        {
            return true;
        }

        var index = FirstRangeAfter(sequence) - 1;
        return index >= 0 && _above[index].Last >= sequence;
    }

    /// <summary>A row with this sequence was newly inserted.</summary>
    public void Committed(long sequence)
    {
        Received++;
        MaxSequence = Math.Max(MaxSequence, sequence);
        Insert(sequence);
    }

    /// <summary>A row with this sequence was already in the table.</summary>
    public void Duplicate() => Duplicates++;

    private void Insert(long sequence)
    {
        if (sequence <= Contiguous)
        {
            return;
        }

        MaxSequence = Math.Max(MaxSequence, sequence);
        if (sequence == Contiguous + 1)
        {
            Contiguous = sequence;
            while (_above.Count > 0 && _above[0].First == Contiguous + 1)
            {
                Contiguous = _above[0].Last;
                _above.RemoveAt(0);
            }

            return;
        }

        var lo = FirstRangeAfter(sequence);
        var before = lo - 1;
        if (before >= 0 && _above[before].Last >= sequence)
        {
            return;
        }

        var joinsBefore = before >= 0 && _above[before].Last == sequence - 1;
        var joinsAfter = lo < _above.Count && _above[lo].First == sequence + 1;
        if (joinsBefore && joinsAfter)
        {
            _above[before] = (_above[before].First, _above[lo].Last);
            _above.RemoveAt(lo);
        }
        else if (joinsBefore)
        {
            _above[before] = (_above[before].First, sequence);
        }
        else if (joinsAfter)
        {
            _above[lo] = (sequence, _above[lo].Last);
        }
        else
        {
            _above.Insert(lo, (sequence, sequence));
        }
    }

    /// <summary>Binary search for the first range that starts after the sequence.</summary>
    private int FirstRangeAfter(long sequence)
    {
        int lo = 0, hi = _above.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_above[mid].First > sequence)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
