namespace AICO.Storage;

/// <summary>What a migration run did: the version it found, the version it left, and the versions it applied.</summary>
public sealed record MigrationResult(int FromVersion, int ToVersion, IReadOnlyList<int> Applied);
