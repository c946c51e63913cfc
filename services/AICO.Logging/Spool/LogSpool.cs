using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AICO.Logging.Spool;

/// <summary>
/// A producer's durable overflow: sealed batches appended in sequence order to encrypted segment files in one
/// directory, read back in the same order, and a segment deleted once every batch in it is acknowledged. Bounded by
/// <see cref="MaxBytes"/>: an append that does not fit is refused (the caller keeps the records in memory).
/// Used by the one shipper worker only, so it takes no locks; the counters are read by other threads. The directory
/// is owned through <see cref="SpoolDirectoryLock"/>; a spool left by a process that died is opened again with
/// <see cref="TryAdopt"/> and read back like any other.
/// </summary>
internal sealed class LogSpool : IDisposable
{
    private const int SegmentHeaderLength = 8 + SpoolCipher.SaltLength;
    private const string SegmentPattern = "*.spool";
    private const int FrameHeaderLength = 32;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("AICOSPL1");

    private readonly byte[] _key;
    private readonly SpoolDirectoryLock _lock;
    private readonly bool _adopted;
    private readonly long _segmentBytes;
    private readonly List<SpoolSegment> _segments = [];
    private readonly Queue<DateTimeOffset> _unreadOldest = new();
    private FileStream? _writer;
    private SpoolCipher? _writeCipher;
    private FileStream? _reader;
    private SpoolCipher? _readCipher;
    private long _bytes;
    private long _unreadRecords;
    private long _nextSegment = 1;

    public LogSpool(string directory, ReadOnlySpan<byte> key, long maxBytes, long segmentBytes)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The spool key is 32 bytes.", nameof(key));
        }

        Directory = directory;
        MaxBytes = maxBytes > 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes));
        _segmentBytes = Math.Clamp(segmentBytes, 64 * 1024, maxBytes);
        _key = key.ToArray();
        SpoolFiles.CreatePrivateDirectory(directory);
        _lock = SpoolDirectoryLock.TryAcquire(directory) ?? throw new IOException($"the log spool {directory} is in use by another process");
    }

    private LogSpool(string directory, ReadOnlySpan<byte> key, SpoolDirectoryLock owner)
    {
        Directory = directory;
        _key = key.ToArray();
        _lock = owner;
        _adopted = true;
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, SegmentPattern).Order(StringComparer.Ordinal))
        {
            if (!SpoolSegment.TryParseNumber(Path.GetFileName(path), out var number))
            {
                continue;
            }

            var segment = SpoolSegment.Scan(number, path, Magic, SegmentHeaderLength, FrameHeaderLength, SpoolCipher.TagLength, _unreadOldest.Enqueue);
            _segments.Add(segment);
            _bytes += segment.Bytes;
            _unreadRecords += segment.RecordsWritten;
        }

        MaxBytes = Math.Max(_bytes, 1);
        _segmentBytes = MaxBytes;
    }

    /// <summary>
    /// Opens the spool a process that is gone left in <paramref name="directory"/>, to read it back and release it;
    /// null while its owner still runs. Nothing can be appended to an adopted spool.
    /// </summary>
    public static LogSpool? TryAdopt(string directory, ReadOnlySpan<byte> key)
    {
        var owner = SpoolDirectoryLock.TryAcquire(directory);
        if (owner is null)
        {
            return null;
        }

        try
        {
            return new LogSpool(directory, key, owner);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>Bytes of every segment file still on disk.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Records written and not yet read back.</summary>
    public long UnreadRecords => Interlocked.Read(ref _unreadRecords);

    public bool HasUnread => UnreadRecords > 0;

    /// <summary>Timestamp of the oldest record not yet read back, or null when nothing is waiting.</summary>
    public DateTimeOffset? OldestUnread
    {
        get
        {
            lock (_unreadOldest)
            {
                return _unreadOldest.TryPeek(out var oldest) ? oldest : null;
            }
        }
    }

    /// <summary>Appends a sealed batch; false when it would exceed <see cref="MaxBytes"/> (nothing is written then).</summary>
    /// <exception cref="IOException">The file system refused the write (e.g. no space left); the spool stays consistent.</exception>
    public bool TryAppend(PendingBatch batch, DateTimeOffset oldest)
    {
        if (_adopted)
        {
            throw new InvalidOperationException("An adopted spool is only read back.");
        }

        var frameLength = FrameHeaderLength + batch.Payload.Length + SpoolCipher.TagLength;
        // The head segment is the one the open writer appends to; after a failed segment creation there is none.
        var head = _writer is not null ? _segments[^1] : null;
        var needsSegment = head is null || head.Bytes + frameLength > _segmentBytes && head.FramesWritten > 0;
        var needed = frameLength + (needsSegment ? SegmentHeaderLength : 0);
        if (Bytes + needed > MaxBytes)
        {
            return false;
        }

        if (needsSegment)
        {
            head = OpenNewSegment();
        }

        var frame = new byte[frameLength];
        var header = frame.AsSpan(0, FrameHeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(header, batch.Payload.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], batch.RecordCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], batch.FirstSequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], batch.LastSequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], oldest.UtcTicks);
        _writeCipher!.Seal(head!.FramesWritten, header, batch.Payload,
            frame.AsSpan(FrameHeaderLength, batch.Payload.Length), frame.AsSpan(FrameHeaderLength + batch.Payload.Length));

        var position = _writer!.Position;
        try
        {
            _writer.Write(frame);
            _writer.Flush();
        }
        catch (IOException)
        {
            // A partial frame must not be read back as garbage: cut the file back to the last whole frame.
            SpoolFiles.TryTruncate(_writer, position);
            throw;
        }

        head.Bytes += frameLength;
        head.FramesWritten++;
        head.RecordsWritten += batch.RecordCount;
        head.LastSequence = batch.LastSequence;
        Interlocked.Add(ref _bytes, frameLength);
        Interlocked.Add(ref _unreadRecords, batch.RecordCount);
        lock (_unreadOldest)
        {
            _unreadOldest.Enqueue(oldest);
        }

        return true;
    }

    /// <summary>The oldest batch not yet read back, or null. A frame that does not open is skipped and reported.</summary>
    public PendingBatch? TryReadNext()
    {
        while (true)
        {
            var segment = _segments.Find(s => !s.FullyRead);
            if (segment is null)
            {
                return null;
            }

            if (_reader is null || _reader.Name != segment.Path)
            {
                OpenReader(segment);
            }

            try
            {
                return ReadFrame(segment);
            }
            catch (Exception ex) when (ex is CryptographicException or EndOfStreamException or IOException)
            {
                var lost = segment.RecordsWritten - segment.RecordsRead;
                LoggingDiagnostics.Write($"spool segment {segment.Path} is unreadable from frame {segment.FramesRead} ({ex.GetType().Name}); {lost} records in it are lost");
                MarkRead(segment, segment.FramesWritten - segment.FramesRead, lost);
                segment.RecordsRead = segment.RecordsWritten;
            }
        }
    }

    /// <summary>Deletes every segment that was read back completely and whose batches are all acknowledged.</summary>
    public void Release(long acknowledgedSequence)
    {
        while (_segments.Count > 0)
        {
            var segment = _segments[0];
            var isWriteHead = !_adopted && _segments.Count == 1;
            if (!segment.FullyRead || segment.LastSequence > acknowledgedSequence || (isWriteHead && segment.FramesWritten == 0))
            {
                return;
            }

            if (isWriteHead)
            {
                CloseWriter();
            }

            if (_reader?.Name == segment.Path)
            {
                CloseReader();
            }

            File.Delete(segment.Path);
            Interlocked.Add(ref _bytes, -segment.Bytes);
            _segments.RemoveAt(0);
        }
    }

    /// <summary>
    /// Closes the files and removes the directory when nothing is left in it; else releases it for a later process to
    /// adopt. With <paramref name="deleteDirectory"/> (an adopted spool read back and acknowledged completely) whatever
    /// the earlier owner left beside the segments goes too.
    /// </summary>
    public void Dispose(bool deleteDirectory)
    {
        CloseWriter();
        CloseReader();
        // Segments with unacknowledged batches stay on disk; an empty one is only a header.
        foreach (var segment in _segments.Where(s => s.FramesWritten == 0))
        {
            SpoolFiles.TryDelete(segment.Path);
        }

        try
        {
            if (deleteDirectory || System.IO.Directory.EnumerateFileSystemEntries(Directory).All(e => e == _lock.Path))
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(Directory).Where(f => f != _lock.Path))
                {
                    SpoolFiles.TryDelete(file);
                }

                _lock.Delete();
                System.IO.Directory.Delete(Directory);
            }
        }
        catch (IOException)
        {
        }
        finally
        {
            _lock.Dispose();
        }

        CryptographicOperations.ZeroMemory(_key);
    }

    public void Dispose() => Dispose(deleteDirectory: false);

    private PendingBatch ReadFrame(SpoolSegment segment)
    {
        Span<byte> header = stackalloc byte[FrameHeaderLength];
        _reader!.Position = segment.ReadOffset;
        _reader.ReadExactly(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || segment.ReadOffset + FrameHeaderLength + length + SpoolCipher.TagLength > segment.Bytes)
        {
            throw new EndOfStreamException("frame length beyond the segment");
        }

        var records = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        var first = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var last = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var oldest = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(header[24..]), TimeSpan.Zero);
        var body = new byte[length + SpoolCipher.TagLength];
        _reader.ReadExactly(body);
        var payload = new byte[length];
        _readCipher!.Open(segment.FramesRead, header, body.AsSpan(0, length), body.AsSpan(length), payload);
        segment.ReadOffset += FrameHeaderLength + body.Length;
        MarkRead(segment, 1, records);
        return new PendingBatch(first, last, records, payload) { Oldest = oldest };
    }

    private void MarkRead(SpoolSegment segment, long frames, long records)
    {
        segment.FramesRead += frames;
        segment.RecordsRead += records;
        Interlocked.Add(ref _unreadRecords, -records);
        lock (_unreadOldest)
        {
            for (var i = 0; i < frames && _unreadOldest.Count > 0; i++)
            {
                _unreadOldest.Dequeue();
            }
        }
    }

    private SpoolSegment OpenNewSegment()
    {
        CloseWriter();
        var number = _nextSegment++;
        var segment = new SpoolSegment(number, Path.Combine(Directory, SpoolSegment.FileName(number)));
        var salt = RandomNumberGenerator.GetBytes(SpoolCipher.SaltLength);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(segment.Path, options);
        try
        {
            stream.Write(Magic);
            stream.Write(salt);
            stream.Flush();
        }
        catch (IOException)
        {
            stream.Dispose();
            SpoolFiles.TryDelete(segment.Path);
            throw;
        }

        _writer = stream;
        _writeCipher = new SpoolCipher(_key, salt);
        segment.Bytes = SegmentHeaderLength;
        segment.ReadOffset = SegmentHeaderLength;
        Interlocked.Add(ref _bytes, SegmentHeaderLength);
        _segments.Add(segment);
        return segment;
    }

    private void OpenReader(SpoolSegment segment)
    {
        CloseReader();
        _reader = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[SegmentHeaderLength];
        _reader.ReadExactly(header);
        if (!header[..Magic.Length].SequenceEqual(Magic))
        {
            throw new CryptographicException("not a spool segment");
        }

        _readCipher = new SpoolCipher(_key, header[Magic.Length..]);
    }

    private void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
        _writeCipher?.Dispose();
        _writeCipher = null;
    }

    private void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
        _readCipher?.Dispose();
        _readCipher = null;
    }
}
