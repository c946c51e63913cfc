using System.Text;
using AICO.Logging;

namespace AICO.LogStore;

/// <summary>
/// The rows of one write transaction, inserted in timestamp order across producers: producers' batches overlap in
/// time, and rows inserted in arrival order land inside the newest pages of the time index instead of at its end (more
/// pages written per row). A k-way merge of one run per producer (its batches in arrival order, each read in
/// sequence order): a producer's own records are never reordered, so its sequences stay ascending even if its clock
/// goes back; on equal timestamps the earlier run goes first, so rows that all carry one time keep arrival order.
/// Records are read in place from the payloads (<see cref="LogBatchReader"/>), a bookmark per run between turns.
/// </summary>
internal sealed class TimeOrderedRows
{
    private readonly List<Run> _runs = [];
    private readonly Dictionary<string, Run> _byProducer = new(StringComparer.Ordinal);

    /// <summary>Adds a batch to its producer's run; <paramref name="progress"/> is that producer's accounting.</summary>
    public void Add(LogBatch batch, ProducerProgress progress)
    {
        if (!_byProducer.TryGetValue(batch.Producer, out var run))
        {
            run = new Run(progress);
            _byProducer[batch.Producer] = run;
            _runs.Add(run);
        }

        run.Batches.Add(batch);
    }

    /// <summary>
    /// Inserts every record that its producer's accounting does not hold yet, in timestamp order, and counts it there
    /// (a resent one is counted as a duplicate and skipped).
    /// </summary>
    public void Insert(LogRowBinder rows)
    {
        foreach (var run in _runs)
        {
            run.Start();
        }

        while (true)
        {
            // The run with the earliest next record; on a tie the earlier run.
            var next = -1;
            for (var i = 0; i < _runs.Count; i++)
            {
                if (!_runs[i].Done && (next < 0 || _runs[i].NextMicros < _runs[next].NextMicros))
                {
                    next = i;
                }
            }

            if (next < 0)
            {
                return;
            }

            // It keeps the turn while its records come strictly before every earlier run's and no later than every later run's.
            long before = long.MaxValue, notAfter = long.MaxValue;
            for (var i = 0; i < _runs.Count; i++)
            {
                if (i != next && !_runs[i].Done)
                {
                    if (i < next)
                    {
                        before = Math.Min(before, _runs[i].NextMicros);
                    }
                    else
                    {
                        notAfter = Math.Min(notAfter, _runs[i].NextMicros);
                    }
                }
            }

            _runs[next].Drain(rows, before, notAfter);
        }
    }

    /// <summary>One producer's batches of the transaction and where its reading stands.</summary>
    private sealed class Run(ProducerProgress progress)
    {
        private readonly byte[] _producer = Encoding.UTF8.GetBytes(progress.Producer);
        private int _batch;
        private LogBatchReader.Bookmark _mark;

        public List<LogBatch> Batches { get; } = [];

        public bool Done { get; private set; }

        /// <summary>The timestamp of the run's next record (while not <see cref="Done"/>).</summary>
        public long NextMicros { get; private set; }

        public void Start()
        {
            _batch = 0;
            var reader = new LogBatchReader(Batches[0].Payload.Span);
            Done = !reader.TryPeekUnixMicros(out var next);
            NextMicros = next;
            _mark = reader.Mark;
        }

        /// <summary>Inserts the run's records while they come before <paramref name="before"/> and not after <paramref name="notAfter"/>.</summary>
        public void Drain(LogRowBinder rows, long before, long notAfter)
        {
            rows.BindProducer(_producer, progress.Id);
            var reader = new LogBatchReader(Batches[_batch].Payload.Span, _mark);
            while (true)
            {
                if (!reader.TryPeekUnixMicros(out var next))
                {
                    _ = reader.MoveNext(); // checks that the payload ends after its last record
                    if (++_batch == Batches.Count)
                    {
                        Done = true;
                        return;
                    }

                    reader = new LogBatchReader(Batches[_batch].Payload.Span);
                    continue;
                }

                if (next >= before || next > notAfter)
                {
                    NextMicros = next;
                    _mark = reader.Mark;
                    return;
                }

                reader.MoveNext();
                if (progress.Holds(reader.Sequence))
                {
                    progress.Duplicate();
                    continue;
                }

                rows.Insert(ref reader);
                progress.Committed(reader.Sequence);
            }
        }
    }
}
