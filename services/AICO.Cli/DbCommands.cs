using System.CommandLine;
using AICO.Security;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.Cli;

/// <summary>`aico db`: the encrypted database. Works with no service running and beside running services.</summary>
public static class DbCommands
{
    public static Command Create(CliConsole console)
    {
        var group = new Command("db", "Create, inspect, check and compact the encrypted database.");
        group.Subcommands.Add(Init(console));
        group.Subcommands.Add(Status(console));
        group.Subcommands.Add(Check(console));
        group.Subcommands.Add(Vacuum(console));
        group.Subcommands.Add(Key(console));
        return group;
    }

    private static Command Init(CliConsole console)
    {
        var command = new Command("init", "Create the database if needed and apply pending schema migrations.");
        command.SetAction(_ =>
        {
            var database = OpenDatabase(mustExist: false);
            var result = Run(() => database.Migrate());
            var applied = result.Applied.Count == 0 ? "none pending" : "applied " + string.Join(", ", result.Applied);
            console.Line($"Database {database.Options.DatabasePath} is at schema version {result.ToVersion} ({applied}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("status", "Show the file, SQLCipher and SQLite versions, journal mode, schema version and row counts.") { json };
        command.SetAction(parse =>
        {
            var status = Run(() => new DatabaseMaintenance(OpenDatabase(mustExist: true)).GetStatus());
            if (parse.GetValue(json))
            {
                console.Json(status);
                return ExitCodes.Ok;
            }

            console.Line($"Database:       {status.Path} ({status.SizeBytes} bytes, WAL {status.WalSizeBytes} bytes)");
            console.Line($"SQLCipher:      {status.CipherVersion} on SQLite {status.SqliteVersion}");
            console.Line($"Journal mode:   {status.JournalMode}");
            console.Line($"Schema version: {status.SchemaVersion} (this build knows {status.LatestSchemaVersion})");
            foreach (var (table, rows) in status.Tables)
            {
                console.Line($"  {table,-20} {rows,12} rows");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Check(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("check", "Run integrity_check and cipher_integrity_check; exit 1 when either finds a problem.") { json };
        command.SetAction(parse =>
        {
            var result = Run(() => new DatabaseMaintenance(OpenDatabase(mustExist: true)).Check());
            if (parse.GetValue(json))
            {
                console.Json(new { result.Ok, result.IntegrityErrors, result.CipherErrors });
            }
            else
            {
                console.Line("integrity_check:        " + (result.IntegrityErrors.Count == 0 ? "ok" : $"{result.IntegrityErrors.Count} problem(s)"));
                console.Line("cipher_integrity_check: " + (result.CipherErrors.Count == 0 ? "ok" : $"{result.CipherErrors.Count} problem(s)"));
                foreach (var problem in result.IntegrityErrors.Concat(result.CipherErrors))
                {
                    console.Line("  " + problem);
                }
            }

            return result.Ok ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Vacuum(CliConsole console)
    {
        var command = new Command("vacuum", "Rebuild the database compactly and give free space back to the file system.");
        command.SetAction(_ =>
        {
            var database = OpenDatabase(mustExist: true);
            Run(() => { using var keyCheck = database.Open(); return true; }); // a wrong key fails before any progress is shown
            console.Line($"Vacuuming {database.Options.DatabasePath} ...");
            var (before, after) = Run(() => new DatabaseMaintenance(database).Vacuum());
            console.Line($"Done: {before} bytes before, {after} bytes after.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Key(CliConsole console)
    {
        var reveal = new Option<bool>("--reveal") { Description = "Really print the raw database key (64 hex characters) on stdout." };
        var command = new Command("key", "Print the raw SQLCipher key of the database, for opening it in standard SQLCipher tools.") { reveal };
        command.SetAction(parse =>
        {
            var paths = AicoPaths.FromEnvironment();
            if (!parse.GetValue(reveal))
            {
                throw new CliException(
                    $"refusing to print the database key without --reveal: with it and {paths.DatabaseFile} anyone can read every record.",
                    ExitCodes.Usage);
            }

            var key = SecurityCommands.Run(() => new MasterKeyStore(paths).LoadDerivation().DatabaseKey());
            console.Warning("this is the secret key of the encrypted database; keep it out of shell history, logs and tickets.");
            console.Warning($"open the database with: sqlcipher {paths.DatabaseFile}, then: PRAGMA key = \"x'<key>'\";");
            console.Line(Convert.ToHexStringLower(key));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static EncryptedDatabase OpenDatabase(bool mustExist)
    {
        var paths = AicoPaths.FromEnvironment();
        var options = SecurityCommands.Run(() => StorageOptions.FromKeyStore(paths));
        if (mustExist && !File.Exists(options.DatabasePath))
        {
            throw new CliException($"No database at {options.DatabasePath}. Run 'aico db init' first.");
        }

        return new EncryptedDatabase(options);
    }

    /// <summary>Storage failures (wrong key, newer schema, SQLite errors) become one clear line and exit code 1.</summary>
    internal static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (StorageException ex)
        {
            throw new CliException(ex.Message);
        }
        catch (SqliteException ex)
        {
            throw new CliException($"database error: {ex.Message}");
        }
    }
}
