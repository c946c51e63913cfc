namespace AICO.Storage;

/// <summary>What `aico db status` reports. Row counts are per table (internal sqlite_* tables excluded).</summary>
public sealed record DatabaseStatus(
    string Path,
    long SizeBytes,
    long WalSizeBytes,
    string CipherVersion,
    string SqliteVersion,
    string JournalMode,
    int SchemaVersion,
    int LatestSchemaVersion,
    IReadOnlyDictionary<string, long> Tables);
