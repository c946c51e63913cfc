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
}
