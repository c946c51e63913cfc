namespace AICO.Storage;

/// <summary>The schema version a database is at, and the newest one this build's migrations reach.</summary>
public sealed record SchemaVersions(int Current, int Latest);
