namespace AICO.Security;

/// <summary>
/// Where an installation keeps its state. Every process resolves the same directories from the same variables,
/// so the CLI, a standalone service and the Aspire-run services all meet on one key store and one database.
/// </summary>
public sealed record AicoPaths(string DataDirectory, string RuntimeDirectory)
{
    public const string DataDirVariable = "AICO_DATA_DIR";
    public const string RuntimeDirVariable = "AICO_RUNTIME_DIR";

    public string MasterKeyFile => Path.Combine(DataDirectory, "master.key");
    public string DatabaseFile => Path.Combine(DataDirectory, "aico.db");

    /// <summary>The broker's list of component instances enrolled on other hosts (on the installation's host).</summary>
    public string EnrolmentsFile => Path.Combine(DataDirectory, "enrolments.json");

    /// <summary>Where `aico security join` installs bundles on a host without the master key, one per component.</summary>
    public string JoinedDirectory => Path.Combine(DataDirectory, "joined");

    public string JoinedBundleFile(string component) => Path.Combine(JoinedDirectory, component + ".json");

    /// <summary>Resolves from the environment: AICO_DATA_DIR, else $XDG_DATA_HOME/aico, else ~/.local/share/aico.</summary>
    public static AicoPaths FromEnvironment() => Resolve(Environment.GetEnvironmentVariable);

    public static AicoPaths Resolve(Func<string, string?> getVariable)
    {
        var data = NonEmpty(getVariable(DataDirVariable));
        if (data is null)
        {
            var xdg = NonEmpty(getVariable("XDG_DATA_HOME"));
            var home = NonEmpty(getVariable("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            data = Path.Combine(xdg ?? Path.Combine(home, ".local", "share"), "aico");
        }

        data = Path.GetFullPath(data);
        var runtime = NonEmpty(getVariable(RuntimeDirVariable)) is { } r ? Path.GetFullPath(r) : Path.Combine(data, "run");
        return new AicoPaths(data, runtime);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
