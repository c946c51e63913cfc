using System.CommandLine;

namespace AICO.Cli;

/// <summary>The `aico` command: one group per area. Exit codes: 0 ok, 1 failure, 2 usage.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var console = new CliConsole(stdout, stderr);
        var root = new RootCommand("AICO: manage keys, the encrypted database, logs, the bus and the gateway.")
        {
            SecurityCommands.Create(console),
            GatewayCommands.Create(console),
            DbCommands.Create(console),
            LogsCommands.Create(console),
            VersionCommand.Create(console),
            BusCommands.Create(console),
            ChatCommand.Create(console),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.Error(error.Message);
            }

            console.Error("Run 'aico --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            console.Error(ex.Message);
            return ex.ExitCode;
        }
    }
}
