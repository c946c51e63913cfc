using System.Diagnostics;
using System.Threading.Channels;
using AICO.Bus;
using AICO.Logging;
using AICO.Storage;

namespace AICO.LogStore;

/// <summary>
/// The log consumer: once the database is writable and the bus client authenticated, subscribes to <c>logs/</c>
/// (the broker's confirmation is what opens every producer's flush gate), writes what arrives in transactions of
/// bounded size, and answers each batch with the producer's highest contiguous committed sequence, only after the
/// commit. A failed write is retried, never dropped, and never acknowledged.
/// </summary>
internal sealed class LogConsumer(IBusClient bus, EncryptedDatabase database, LogConsumerOptions options, TimeProvider? time = null) : IAsyncDisposable
{
    private readonly Channel<(LogBatch Batch, BusMessage Request)> _queue = Channel.CreateBounded<(LogBatch, BusMessage)>(
        new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly LogBatchWriter _writer = new(database, time, options.DurableInterval);
    private readonly LogSearchIdleIndexing _indexing = new(new LogSearchIndexer(database), time);
    private readonly LogConsumerRetry _retry = new(options.WriteRetryDelay, time ?? TimeProvider.System);
    private readonly CancellationTokenSource _stopping = new();
    private IAsyncDisposable? _subscription;
    private Task _running = Task.CompletedTask;
    private volatile bool _subscribed;
    private volatile string? _databaseProblem = NotCheckedYet;
    private long _invalid;
    private long _committedRows;
    private long _transactions;
    private long _writingTicks;
    private long _replyingTicks;
    private long _indexingTicks;
    private long _waitingTicks;
    private long _waitingSince;
    private long _lastCommitTimestamp;

    private const string NotCheckedYet = "database not checked yet";

    public bool Subscribed => _subscribed;

    /// <summary>The consumer has tried the database at least once (until then it is starting, not failing).</summary>
    public bool DatabaseChecked => !ReferenceEquals(_databaseProblem, NotCheckedYet);

    /// <summary>Null while the last write (or the start-up probe) succeeded; else why the database is not writable.</summary>
    public string? DatabaseProblem => _databaseProblem;

    public long InvalidMessages => Interlocked.Read(ref _invalid);

    public long CommittedRows => Interlocked.Read(ref _committedRows);

    /// <summary>Write transactions committed (rows per transaction show whether the writer is the bottleneck).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    internal LogBatchWriter Writer => _writer;

    /// <summary>Time spent committing (the writer busy), in Stopwatch ticks: shows whether the writer is the pipeline's limit.</summary>
    internal long WritingTicks => Interlocked.Read(ref _writingTicks);

    /// <summary>Time the writer thread spent answering producers after its commits, in Stopwatch ticks.</summary>
    internal long ReplyingTicks => Interlocked.Read(ref _replyingTicks);

    /// <summary>Time the writer thread spent indexing for grep in its idle moments, in Stopwatch ticks.</summary>
    internal long IndexingTicks => Interlocked.Read(ref _indexingTicks);

    /// <summary>Time the writer thread waited for a batch with nothing queued, in Stopwatch ticks.</summary>
    internal long WaitingTicks => Interlocked.Read(ref _waitingTicks);

    /// <summary>When the writer's current wait for a batch began (Stopwatch timestamp), or 0 while it works.</summary>
    internal long WaitingSince => Interlocked.Read(ref _waitingSince);

    /// <summary>When the last transaction committed (Stopwatch timestamp).</summary>
    internal long LastCommitTimestamp => Interlocked.Read(ref _lastCommitTimestamp);

    internal LogSearchIdleIndexing Indexing => _indexing;

    public void Start()
    {
        // Consuming logs belongs to no trace: the loop must not inherit the starting caller's Activity.
        using (ExecutionContext.SuppressFlow())
        {
            _running = Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForWritableDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await bus.WaitUntilAuthenticatedAsync(cancellationToken).ConfigureAwait(false);
            _subscription = await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            _subscribed = true;
            LoggingDiagnostics.Write($"log consumer subscribed to {LogTopics.Prefix}");
            await StartWriterThread(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitForWritableDatabaseAsync(CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE takes the write lock: this proves the file is writable with our key and migrated.
        await _retry.UntilSuccessAsync(
            token => ValueTask.FromResult(database.Write((connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "SELECT count(*) FROM log_producers";
                return command.ExecuteScalar();
            }, token)),
            ex => Problem($"database not writable: {DatabaseProblemText.Describe(ex)}"),
            cancellationToken).ConfigureAwait(false);
        _databaseProblem = null;
    }

    private ValueTask<IAsyncDisposable> SubscribeAsync(CancellationToken cancellationToken) =>
        _retry.UntilSuccessAsync(
            async token => await bus.SubscribeAsync(LogTopics.Prefix, OnMessageAsync, token).ConfigureAwait(false),
            ex => LoggingDiagnostics.Write($"log consumer cannot subscribe to {LogTopics.Prefix}: {ex.Message}"),
            cancellationToken);

    private async Task OnMessageAsync(BusMessage message, CancellationToken cancellationToken)
    {
        if (message.MessageType != LogTopics.BatchMessageType || message.CorrelationId is null)
        {
            Invalid($"unexpected message type '{message.MessageType}' on {message.Topic} from {message.SourceComponent}");
            return;
        }

        LogBatch batch;
        try
        {
            // Unpacked into the shared pool: the writer releases each batch once it is committed and answered.
            batch = LogBatchCodec.DecodePooled(message.Payload);
        }
        catch (FormatException ex)
        {
            Invalid($"malformed log batch from {message.SourceComponent}: {ex.Message}");
            return;
        }

        // The broker stamps the authenticated component: nobody writes records in another component's name.
        if (LogBatchWriter.ComponentOf(batch.Producer) != message.SourceComponent || !batch.Producer.Contains('/'))
        {
            Invalid($"log batch from {message.SourceComponent} names producer '{batch.Producer}'");
            batch.Release();
            return;
        }

        try
        {
            await _queue.Writer.WriteAsync((batch, message), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            batch.Release();
            throw;
        }
    }

    /// <summary>
    /// The writer's own thread: it blocks while the queue is empty and never shares a thread-pool thread (or its turn)
    /// with the bus and the subscription handler, which decode the next batches meanwhile.
    /// </summary>
    private Task StartWriterThread(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => WriteLoop(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void WriteLoop(CancellationToken cancellationToken)
    {
        Thread.CurrentThread.Name = "AICO.LogStore writer";
        var pending = new List<(LogBatch Batch, BusMessage Request)>();
        var reader = _queue.Reader;
        while (true)
        {
            var waiting = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _waitingSince, waiting);
            var open = WaitForBatch(reader, _indexing.DueIn, cancellationToken);
            var waited = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _waitingSince, 0);
            Interlocked.Add(ref _waitingTicks, waited - waiting);
            if (open is null)
            {
                // Idle for as long as the written rows' index can wait: index them for grep a step at a time, giving
                // way as soon as a batch is queued.
                _indexing.WhileIdle(() => reader.TryPeek(out _), cancellationToken);
                Interlocked.Add(ref _indexingTicks, Stopwatch.GetTimestamp() - waited);
                continue;
            }

            if (open == false)
            {
                break;
            }

            pending.Clear();
            var rows = 0;
            while (rows < options.MaxRowsPerTransaction && reader.TryRead(out var item))
            {
                pending.Add(item);
                rows += item.Batch.Count;
            }

            var started = Stopwatch.GetTimestamp();
            var acks = Wait(CommitAsync(pending, cancellationToken));
            var committed = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _writingTicks, committed - started);
            Interlocked.Exchange(ref _lastCommitTimestamp, committed);
            _indexing.RowsWritten(rows);
            Interlocked.Add(ref _committedRows, rows);
            Interlocked.Increment(ref _transactions);
            var replying = Stopwatch.GetTimestamp();
            foreach (var (batch, request) in pending)
            {
                try
                {
                    Wait(bus.ReplyAsync(request, LogTopics.AckMessageType, new LogAck(batch.Producer, acks[batch.Producer]).Encode(), cancellationToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Committed but not acknowledged: the producer resends and the duplicate is ignored.
                    LoggingDiagnostics.Write($"acknowledgement to {batch.Producer} failed: {ex.Message}");
                }

                batch.Release();
            }

            Interlocked.Add(ref _replyingTicks, Stopwatch.GetTimestamp() - replying);
        }
    }

    /// <summary>True: a batch waits; false: the queue is closed; null: <paramref name="dueIn"/> passed first.</summary>
    private bool? WaitForBatch(ChannelReader<(LogBatch Batch, BusMessage Request)> reader, TimeSpan? dueIn, CancellationToken cancellationToken)
    {
        if (reader.TryPeek(out _))
        {
            return true;
        }

        if (dueIn is not { } delay)
        {
            return Wait(reader.WaitToReadAsync(cancellationToken));
        }

        if (delay <= TimeSpan.Zero)
        {
            // Rows due at once: without this a stop would leave the loop asking again (indexing gives way to the stop).
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }

        using var due = new CancellationTokenSource(delay, time ?? TimeProvider.System);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, due.Token);
        try
        {
            return Wait(reader.WaitToReadAsync(either.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    // Blocking is what this thread is for: it waits for batches, for a retry's delay, or for room in the outbound queue.
    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Retries until the batches are committed: a record that reached the consumer is never dropped.</summary>
    private async Task<IReadOnlyDictionary<string, long>> CommitAsync(List<(LogBatch Batch, BusMessage Request)> pending, CancellationToken cancellationToken)
    {
        var batches = pending.ConvertAll(p => p.Batch);
        var acks = await _retry.UntilSuccessAsync(
            token => ValueTask.FromResult(_writer.Write(batches, token)),
            ex => Problem($"log batch write failed, retrying: {DatabaseProblemText.Describe(ex)}"),
            cancellationToken).ConfigureAwait(false);
        if (_databaseProblem is not null)
        {
            LoggingDiagnostics.Write("log consumer writes to the database again");
            _databaseProblem = null;
        }

        return acks;
    }

    private void Problem(string problem)
    {
        if (_databaseProblem != problem)
        {
            LoggingDiagnostics.Write(problem);
        }

        _databaseProblem = problem;
    }

    private void Invalid(string reason)
    {
        if (Interlocked.Increment(ref _invalid) <= 10)
        {
            LoggingDiagnostics.Write($"ignored: {reason}");
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        // The hosted service stops the consumer and the container disposes it again at shutdown.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _subscribed = false;
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
