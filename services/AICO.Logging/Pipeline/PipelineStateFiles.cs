using System.Text.Json;

namespace AICO.Logging.Pipeline;

/// <summary>
/// The state files of the producers of one installation: <c>&lt;runtime dir&gt;/log-spool/&lt;producer&gt;/state.json</c>,
/// beside the producer's spool segments. Written atomically (temporary file, then rename), read by anyone.
/// </summary>
public static class PipelineStateFiles
{
    public const string SpoolDirectoryName = "log-spool";
    public const string StateFileName = "state.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The directory of one producer's spool and state file.</summary>
    public static string ProducerDirectory(string runtimeDirectory, string producer) =>
        Path.Combine(runtimeDirectory, SpoolDirectoryName, producer.Replace('/', '-'));

    public static void Write(string producerDirectory, ProducerPipelineState state)
    {
        var path = Path.Combine(producerDirectory, StateFileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(state, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string producerDirectory)
    {
        File.Delete(Path.Combine(producerDirectory, StateFileName));
    }

    /// <summary>
    /// Removes what producers that are gone left behind when nothing is waiting in it (no spool segment): the state
    /// file of a killed process would otherwise stay forever. Spools with records are kept.
    /// </summary>
    public static void PruneGone(string runtimeDirectory)
    {
        foreach (var state in ReadAll(runtimeDirectory).Where(s => !s.Running))
        {
            var directory = ProducerDirectory(runtimeDirectory, state.Producer);
            try
            {
                if (!Directory.EnumerateFiles(directory, "*.spool").Any())
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another process pruned it first, or it is not ours.
            }
        }
    }

    /// <summary>Every producer's last state; a producer whose process is gone is marked not running.</summary>
    public static IReadOnlyList<ProducerPipelineState> ReadAll(string runtimeDirectory)
    {
        var root = Path.Combine(runtimeDirectory, SpoolDirectoryName);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var states = new List<ProducerPipelineState>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            try
            {
                var state = JsonSerializer.Deserialize<ProducerPipelineState>(File.ReadAllBytes(Path.Combine(directory, StateFileName)), Json);
                if (state is not null)
                {
                    states.Add(state with { Running = IsRunning(state.ProcessId) });
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                // Written a moment ago, removed, or not ours to read: the next read sees it.
            }
        }

        return states.OrderBy(s => s.Producer, StringComparer.Ordinal).ToList();
    }

    private static bool IsRunning(int processId) =>
        processId > 0 && (OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{processId}") : ProcessExists(processId));

    private static bool ProcessExists(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
