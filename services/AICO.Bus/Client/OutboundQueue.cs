using System.Buffers;
using System.Threading.Channels;

namespace AICO.Bus;

/// <summary>One encoded record in a pooled array; the socket thread copies it into a batch and returns the array.</summary>
internal readonly record struct EncodedRecord(byte[] Buffer, int Length)
{
    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>
/// Records waiting for the socket thread: a bounded channel with one reader. A full queue makes <see cref="TryWrite"/>
/// return false (the caller counts the drop) and <see cref="WriteAsync"/> wait for space. Every write wakes the socket thread.
/// </summary>
internal sealed class OutboundQueue(int capacity, Action wake)
{
    private readonly Channel<EncodedRecord> _channel = Channel.CreateBounded<EncodedRecord>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public bool IsEmpty => _channel.Reader.Count == 0;

    public bool TryWrite(EncodedRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            return false;
        }

        wake();
        return true;
    }

    public async ValueTask WriteAsync(EncodedRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            record.Return();
            throw;
        }

        wake();
    }

    public bool TryRead(out EncodedRecord record) => _channel.Reader.TryRead(out record);

    /// <summary>No more writes; the records still queued are released.</summary>
    public void Close()
    {
        _channel.Writer.TryComplete(new ObjectDisposedException(nameof(BusClient)));
        while (_channel.Reader.TryRead(out var record))
        {
            record.Return();
        }
    }
}
