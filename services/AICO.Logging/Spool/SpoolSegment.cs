using System.Buffers.Binary;

namespace AICO.Logging.Spool;

/// <summary>One file of a spool: what was written to it and how far it has been read back.</summary>
internal sealed class SpoolSegment(long number, string path)
{
    public long Number { get; } = number;
    public string Path { get; } = path;

    public long Bytes { get; set; }
    public long FramesWritten { get; set; }
    public long RecordsWritten { get; set; }
    public long LastSequence { get; set; }

    public long FramesRead { get; set; }
    public long RecordsRead { get; set; }
    public long ReadOffset { get; set; }

    public bool FullyRead => FramesRead == FramesWritten;

    public static string FileName(long number) => $"{number:D8}.spool";

    public static bool TryParseNumber(string fileName, out long number) =>
        long.TryParse(System.IO.Path.GetFileNameWithoutExtension(fileName), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number);

    /// <summary>
    /// A segment left by an earlier process, from its frame headers (clear text; the frames are opened when read).
    /// A torn last frame (the process died in the middle of the write) ends the segment.
    /// </summary>
    public static SpoolSegment Scan(long number, string path, ReadOnlySpan<byte> magic, int headerLength, int frameHeaderLength, int tagLength, Action<DateTimeOffset> frameOldest)
    {
        var segment = new SpoolSegment(number, path) { ReadOffset = headerLength };
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[Math.Max(headerLength, frameHeaderLength)];
        if (file.Length < headerLength || file.ReadAtLeast(header[..headerLength], headerLength, throwOnEndOfStream: false) < headerLength
            || !header[..magic.Length].SequenceEqual(magic))
        {
            return segment;
        }

        var offset = (long)headerLength;
        while (offset + frameHeaderLength <= file.Length)
        {
            file.Position = offset;
            file.ReadExactly(header[..frameHeaderLength]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var end = offset + frameHeaderLength + (long)length + tagLength;
            if (length < 0 || end > file.Length)
            {
                break;
            }

            segment.FramesWritten++;
            segment.RecordsWritten += BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            segment.LastSequence = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
            frameOldest(new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(header[24..]), TimeSpan.Zero));
            offset = end;
        }

        segment.Bytes = offset;
        return segment;
    }
}
