using System.CommandLine;

namespace AICO.Cli;

/// <summary>Options shared by many commands, so they are spelled and described the same everywhere.</summary>
public static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON." };

    public static Option<bool> Force(string description) => new("--force") { Description = description };

    public static Option<bool> Yes() => new("--yes", "-y") { Description = "Do not ask for confirmation." };
}
