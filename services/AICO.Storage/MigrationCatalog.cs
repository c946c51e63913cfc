using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace AICO.Storage;

/// <summary>
/// The forward migrations this build knows, read from the embedded Migrations/NNNN_name.sql files.
/// Adding a migration is adding one file with the next number; gaps and duplicates are refused.
/// </summary>
internal sealed partial class MigrationCatalog
{
    private const string ResourcePrefix = "AICO.Storage.Migrations.";

    public MigrationCatalog(IEnumerable<SchemaMigration> migrations)
    {
        Migrations = migrations.OrderBy(m => m.Version).ToArray();
        for (var i = 0; i < Migrations.Count; i++)
        {
            if (Migrations[i].Version != i + 1)
            {
                throw new StorageException(
                    $"Schema migrations must be numbered 1, 2, 3, ... without gaps or duplicates; found version {Migrations[i].Version} at position {i + 1}.");
            }
        }
    }

    public static MigrationCatalog Default { get; } = FromAssembly(typeof(MigrationCatalog).Assembly);

    public IReadOnlyList<SchemaMigration> Migrations { get; }

    public int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    public static MigrationCatalog FromAssembly(Assembly assembly) => new(
        assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return Parse(name[ResourcePrefix.Length..], reader.ReadToEnd());
            }));

    /// <summary>Parses a file name such as <c>0002_log_retention.sql</c> into version 2, name "log_retention".</summary>
    public static SchemaMigration Parse(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new StorageException($"Migration file '{fileName}' must be named NNNN_name.sql (e.g. 0002_log_retention.sql).");
        }

        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new StorageException($"Migration file '{fileName}' is empty.");
        }

        return new SchemaMigration(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, sql);
    }

    [GeneratedRegex(@"^(?<version>[0-9]{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();
}
