using System.CommandLine;
using System.Text;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;

namespace AICO.Cli;

/// <summary>
/// `aico logs`: read, summarise, export and prune the log table of the encrypted database directly, whether the
/// backend runs or not (SQLite WAL lets the CLI read beside the consumer's writes).
/// </summary>
public static class LogsCommands
{
    private const int DeleteBatchSize = 5_000;
    private const int ProgressEvery = 10_000;
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliConsole console)
    {
        var group = new Command("logs", "Read, summarise, export and prune the logs in the encrypted database.");
        group.Subcommands.Add(List(console));
        group.Subcommands.Add(Tail(console));
        group.Subcommands.Add(Stat(console));
        group.Subcommands.Add(Export(console));
        group.Subcommands.Add(Remove(console));
        return group;
    }

    private sealed class FilterOptions
    {
        public Option<string?> Level { get; } = new("--level") { Description = $"This level and more severe: {LogFilterText.LevelNames}." };
        public Option<string?> Component { get; } = new("--component") { Description = "Only records of this component, exactly (gateway, modelservice, logconsumer, broker)." };
        public Option<string?> Subsystem { get; } = new("--subsystem") { Description = "Only this subsystem (category namespace) and its children." };
        public Option<string?> Since { get; } = new("--since") { Description = $"From this time: ISO 8601 (UTC unless an offset is given) or a duration ago ({DurationText.Forms})." };
        public Option<string?> Until { get; } = new("--until") { Description = "Before this time (same forms as --since)." };
        public Option<string?> TraceId { get; } = new("--trace-id") { Description = "Only records of this trace (32 hex digits)." };
        public Option<string?> Grep { get; } = new("--grep") { Description = "Only messages containing this text (case-insensitive)." };

        public IEnumerable<Option> All => [Level, Component, Subsystem, Since, Until, TraceId, Grep];

        public LogFilter Parse(ParseResult parse, int? limit)
        {
            var text = new LogFilterText
            {
                Level = parse.GetValue(Level),
                Component = parse.GetValue(Component),
                Subsystem = parse.GetValue(Subsystem),
                Since = parse.GetValue(Since),
                Until = parse.GetValue(Until),
                TraceId = parse.GetValue(TraceId),
                Grep = parse.GetValue(Grep),
            };
            var filter = text.ToFilter(DateTimeOffset.UtcNow, out var problems);
            if (filter is null)
            {
                var (field, problem) = problems.First();
                throw new CliException($"--{field.Replace('_', '-')} {problem}.", ExitCodes.Usage);
            }

            return filter with { Limit = limit };
        }
    }

    private static Command List(CliConsole console)
    {
        var filters = new FilterOptions();
        var limit = new Option<int>("--limit", "-n") { Description = "Show at most this many records (the newest), oldest first.", DefaultValueFactory = _ => 100 };
        var json = CliOptions.Json();
        var command = new Command("ls", "List log records, filtered.") { limit, json };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var filter = filters.Parse(parse, Limit(parse.GetValue(limit)));
            var rows = WithDatabase(db => db.Execute(c => LogQuery.Read(c, filter)));
            Print(console, rows, parse.GetValue(json));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Tail(CliConsole console)
    {
        var filters = new FilterOptions();
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the newest records to show first.", DefaultValueFactory = _ => 10 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new records as they are stored (Ctrl+C to stop)." };
        var json = CliOptions.Json();
        var command = new Command("tail", "Show the newest log records, and follow new ones with -f.") { lines, follow, json };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var filter = filters.Parse(parse, Limit(parse.GetValue(lines)));
            var asJson = parse.GetValue(json);
            var db = OpenDatabase();
            var rows = DbCommands.Run(() => db.Execute(c => LogQuery.Read(c, filter)));
            Print(console, rows, asJson);
            if (!parse.GetValue(follow))
            {
                return ExitCodes.Ok;
            }

            var lastId = rows.Count > 0 ? rows.Max(r => r.Id) : DbCommands.Run(() => db.Execute(LogQuery.MaxId));
            try
            {
                while (true)
                {
                    await Task.Delay(FollowInterval, cancellationToken);
                    var next = filter with { AfterId = lastId, Limit = LogFilter.MaxLimit };
                    var fresh = DbCommands.Run(() => db.Execute(c => LogQuery.Read(c, next)));
                    Print(console, fresh.OrderBy(r => r.Id).ToList(), asJson);
                    if (fresh.Count > 0)
                    {
                        lastId = fresh.Max(r => r.Id);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("stat", "Rows per level and component, delivery per producer (received, gaps, duplicates), oldest and newest.") { json };
        command.SetAction(parse =>
        {
            var stats = WithDatabase(db => db.Execute(LogStatistics.Read));
            if (parse.GetValue(json))
            {
                console.Json(stats);
                return ExitCodes.Ok;
            }

            console.Line($"rows: {stats.Rows}   oldest: {stats.Oldest ?? "-"}   newest: {stats.Newest ?? "-"}");
            console.Line("by level:     " + string.Join("  ", stats.ByLevel.Select(kv => $"{kv.Key}={kv.Value}")));
            console.Line("by component: " + string.Join("  ", stats.ByComponent.Select(kv => $"{kv.Key}={kv.Value}")));
            console.Line($"{"producer",-32} {"received",10} {"gaps",6} {"duplicates",10} {"last seen",-28}");
            foreach (var p in stats.Producers)
            {
                console.Line($"{p.Producer,-32} {p.Received,10} {p.Gaps,6} {p.Duplicates,10} {p.LastSeen,-28}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var filters = new FilterOptions();
        var format = new Option<string>("--format") { Description = "jsonl (one JSON object per line) or csv.", DefaultValueFactory = _ => "jsonl" };
        var output = new Option<string>("--output", "-o") { Description = "The file to write (replaced if it exists).", Required = true };
        var command = new Command("export", "Write log records to a JSON Lines or CSV file.") { format, output };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var filter = filters.Parse(parse, limit: null);
            var kind = parse.GetValue(format)?.ToLowerInvariant();
            if (kind is not ("jsonl" or "csv"))
            {
                throw new CliException($"--format '{kind}' is not supported; use jsonl or csv.", ExitCodes.Usage);
            }

            var path = Path.GetFullPath(parse.GetValue(output)!);
            var db = OpenDatabase();
            var total = DbCommands.Run(() => db.Execute(c => LogQuery.Count(c, filter)));
            long written = 0;
            try
            {
                using var file = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                if (kind == "csv")
                {
                    file.WriteLine(LogCsv.Header);
                }

                DbCommands.Run(() => db.Execute(c =>
                {
                    foreach (var row in LogQuery.Stream(c, filter))
                    {
                        file.WriteLine(kind == "csv" ? LogCsv.Row(row) : CliConsole.AsciiSafe(System.Text.Json.JsonSerializer.Serialize(row, CliConsole.JsonLineOptions)));
                        if (++written % ProgressEvery == 0)
                        {
                            console.Progress($"exported {written} of {total} records");
                        }
                    }

                    return written;
                }));
            }
            catch (IOException ex)
            {
                throw new CliException($"cannot write {path}: {ex.Message}");
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new CliException($"cannot write {path}: {ex.Message}");
            }

            console.Progress($"exported {written} records to {path}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        var before = new Option<string>("--before") { Description = "Delete records stamped before this time (ISO 8601, or a duration ago such as 30d).", Required = true };
        var yes = CliOptions.Yes();
        var command = new Command("rm", "Delete log records older than a date.") { before, yes };
        command.SetAction(parse =>
        {
            var cutoff = Time(parse.GetValue(before)!, "--before", DateTimeOffset.UtcNow);
            var db = OpenDatabase();
            var count = DbCommands.Run(() => db.Execute(c => LogQuery.Count(c, new LogFilter { Until = cutoff, Limit = null })));
            if (count == 0)
            {
                console.Line($"No log records before {LogTimestamps.ToText(cutoff)}.");
                return ExitCodes.Ok;
            }

            if (!parse.GetValue(yes) && !console.Confirm($"Delete {count} log records stamped before {LogTimestamps.ToText(cutoff)}?"))
            {
                console.Error("nothing deleted (confirm, or pass --yes).");
                return ExitCodes.Failure;
            }

            var deleted = DbCommands.Run(() => LogDeletion.DeleteBefore(db, cutoff, DeleteBatchSize));
            console.Line($"Deleted {deleted} log records stamped before {LogTimestamps.ToText(cutoff)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(CliConsole console, IReadOnlyList<LogRecordRow> rows, bool json)
    {
        foreach (var row in rows)
        {
            if (json)
            {
                console.Json(row, indented: false);
                continue;
            }

            console.Line($"{row.Timestamp} {row.Level,-8} {row.Component,-12} {row.Subsystem}.{row.Module}: {row.Message}");
            if (row.Exception is { } exception)
            {
                console.Line("    " + exception.Replace("\n", "\n    ", StringComparison.Ordinal));
            }
        }
    }

    private static int? Limit(int value) => value is >= 1 and <= LogFilter.MaxLimit
        ? value
        : throw new CliException($"the limit must be between 1 and {LogFilter.MaxLimit}, not {value}.", ExitCodes.Usage);

    private static DateTimeOffset Time(string text, string option, DateTimeOffset now) =>
        LogTimestamps.TryParseUserTime(text, now, out var value)
            ? value
            : throw new CliException($"{option} {LogFilterText.NotADate(text)}.", ExitCodes.Usage);

    private static T WithDatabase<T>(Func<EncryptedDatabase, T> read)
    {
        var db = OpenDatabase();
        return DbCommands.Run(() => read(db));
    }

    /// <summary>
    /// The installation's database, left as it is: reading never migrates. A missing key store or database, or one at
    /// another schema version than this aico knows, is a clear error that says what to run.
    /// </summary>
    private static EncryptedDatabase OpenDatabase()
    {
        var paths = AicoPaths.FromEnvironment();
        if (!File.Exists(paths.DatabaseFile))
        {
            throw new CliException($"no database at {paths.DatabaseFile}: start the backend (dotnet run --project AICO.AppHost) first, or set AICO_DATA_DIR.");
        }

        var options = SecurityCommands.Run(() => StorageOptions.FromKeyStore(paths));
        var db = new EncryptedDatabase(options);
        var schema = DbCommands.Run(() => db.ReadSchemaVersions());
        if (schema.Current < schema.Latest)
        {
            throw new CliException(
                $"the database at {paths.DatabaseFile} is at schema version {schema.Current}, this aico reads version {schema.Latest}: " +
                "run 'aico db init' (or start the backend) to migrate it, then try again.");
        }

        if (schema.Current > schema.Latest)
        {
            throw new CliException(
                $"the database at {paths.DatabaseFile} is at schema version {schema.Current}, newer than this aico knows ({schema.Latest}): update aico.");
        }

        return db;
    }
}
