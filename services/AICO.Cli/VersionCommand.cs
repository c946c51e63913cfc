using System.CommandLine;
using System.Reflection;

namespace AICO.Cli;

public static class VersionCommand
{
    public static Command Create(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("version", "Show the version of aico and its runtime.") { json };
        command.SetAction(parse =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            if (parse.GetValue(json))
            {
                console.Json(new { version, runtime = Environment.Version.ToString() });
            }
            else
            {
                console.Line($"aico {version} (.NET {Environment.Version})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
