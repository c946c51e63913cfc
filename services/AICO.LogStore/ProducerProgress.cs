namespace AICO.LogStore;

/// <summary>
/// What the consumer has committed of one producer's sequence: the highest contiguous sequence (what it
/// acknowledges), the committed ranges above it, and counters. <see cref="OpenGaps"/> is how many sequence numbers
/// below the highest one seen are still missing: 0 when everything arrived, even if it arrived out of order.
/// </summary>
internal sealed class ProducerProgress(string producer)
{
    // Committed ranges above Contiguous + 1, sorted, disjoint, not adjacent to each other or to Contiguous.
    private readonly List<(long First, long Last)> _above = [];

    public string Producer { get; } = producer;

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

    public static ProducerProgress Restore(string producer, long contiguous, long maxSequence, long received, long duplicates, IEnumerable<long> committedAboveContiguous)
    {
        var progress = new ProducerProgress(producer) { Contiguous = contiguous, MaxSequence = Math.Max(maxSequence, contiguous), Received = received, Duplicates = duplicates };
        foreach (var sequence in committedAboveContiguous)
        {
            progress.Insert(sequence);
        }

        return progress;
    }

    public ProducerProgress Clone()
    {
        var copy = new ProducerProgress(Producer) { Contiguous = Contiguous, MaxSequence = MaxSequence, Received = Received, Duplicates = Duplicates };
        copy._above.AddRange(_above);
        return copy;
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

        // Binary search for the first range that starts after the sequence.
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
}
