using System.Text.RegularExpressions;
using AICO.Logging.Pipeline;

namespace AICO.Logging.Spool;

/// <summary>
/// The spool of an earlier process of this same instance (e.g. killed while the consumer was away): its records
/// keep their producer id and sequence numbers, so the consumer stores them as the earlier producer's and fills its
/// gaps, and a record it already has is absorbed as a duplicate.
/// </summary>
internal sealed partial class AdoptedSpool(string producer, LogSpool spool)
{
    public string Producer { get; } = producer;

    public LogSpool Spool { get; } = spool;

    /// <summary>
    /// Takes over every spool in the runtime directory that belonged to another process of <paramref name="instance"/>
    /// and has no owner any more (its lock is free). Its state file goes: the adopter reports these records now.
    /// </summary>
    public static IReadOnlyList<AdoptedSpool> AdoptOrphans(string runtimeDirectory, string instance, string ownDirectory, ReadOnlySpan<byte> key)
    {
        var root = Path.Combine(runtimeDirectory, PipelineStateFiles.SpoolDirectoryName);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var adopted = new List<AdoptedSpool>();
        foreach (var directory in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            if (Path.GetFullPath(directory) == Path.GetFullPath(ownDirectory)
                || !name.StartsWith(instance + "-", StringComparison.Ordinal) || !InstanceId().IsMatch(name[(instance.Length + 1)..]))
            {
                continue;
            }

            try
            {
                if (LogSpool.TryAdopt(directory, key) is { } spool)
                {
                    SpoolFiles.TryDelete(Path.Combine(directory, PipelineStateFiles.StateFileName));
                    adopted.Add(new AdoptedSpool($"{instance}/{name[(instance.Length + 1)..]}", spool));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LoggingDiagnostics.Write($"warning: the log spool {directory} left by an earlier process cannot be read ({ex.Message}); it stays on disk");
            }
        }

        return adopted;
    }

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex InstanceId();
}
