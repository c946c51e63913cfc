using System.Collections.Concurrent;

namespace AICO.Bus;

/// <summary>
/// Runs tasks one at a time on one dedicated thread at a low CPU priority (nice 5 on Linux, a third of a normal
/// thread's share). The gate judges unauthenticated connections here: when nothing else wants the CPU it gets all of it,
/// and under a flood it yields to the threads that carry authenticated clients' traffic (relays, NetMQ, the broker
/// thread) instead of competing with them.
/// </summary>
internal sealed class LowPriorityScheduler : TaskScheduler, IDisposable
{
    private const int LowNice = 5;

    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread _thread;

    public LowPriorityScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.Lowest };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    public void Dispose() => _queue.CompleteAdding();

    protected override void QueueTask(Task task)
    {
        try
        {
            _queue.Add(task);
        }
        catch (InvalidOperationException)
        {
            // Disposed: the gate is stopping, and its tasks end with its sockets.
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _queue];

    private void Run()
    {
        CpuPriority.SetNice(LowNice);

        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }
}
