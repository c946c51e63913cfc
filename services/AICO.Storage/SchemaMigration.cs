namespace AICO.Storage;

/// <summary>One forward step of the schema: Migrations/NNNN_name.sql, applied once, in version order.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql);
