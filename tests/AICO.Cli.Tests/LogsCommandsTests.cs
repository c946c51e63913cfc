using System.Text.Json;
using AICO.Cli;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Extensions.Logging;

namespace AICO.Cli.Tests;

/// <summary>
/// `aico logs` run in-process against a real key store and encrypted database in a throwaway AICO_DATA_DIR
/// (process-wide, hence the collection).
/// </summary>
[Collection(DataDirectoryVariableCollection.Name)]
public sealed class LogsCommandsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aico-logs-cli-" + Guid.NewGuid().ToString("N"));
    private readonly AicoPaths _paths;

    public LogsCommandsTests()
    {
        _paths = new AicoPaths(Path.Combine(_root, "data"), Path.Combine(_root, "data", "run"));
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, _paths.DataDirectory);
        new MasterKeyStore(_paths).Create(force: false);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private EncryptedDatabase Seed()
    {
        var db = new EncryptedDatabase(StorageOptions.FromKeyStore(_paths));
        db.Migrate();
        var writer = new LogBatchWriter(db);
        var gateway = TestLogs.Batch("gateway/a1", 1, 20);
        gateway.Entries[0].ExtraJson = "{\"k\":\"v\"}";
        writer.Write([
            gateway,
            new LogBatch("modelservice/b2", [new LogEntry
            {
                Sequence = 1, Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 1, TimeSpan.Zero), Level = LogLevel.Error,
                Category = "AICO.ModelService.Chat", Message = "failed, \"quoted\"\nsecond line", Exception = "System.Exception: boom",
            }]),
        ]);
        return db;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Ls_json_writes_one_object_per_line_and_filters_by_level_and_component()
    {
        Seed();
        var (exit, output, _) = await Run("logs", "ls", "--json", "--limit", "5");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal("modelservice", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("component").GetString());
        var last = JsonDocument.Parse(lines[^2]).RootElement;
        Assert.Equal("gateway", last.GetProperty("component").GetString());
        Assert.Equal("record 20", last.GetProperty("message").GetString());

        (exit, output, _) = await Run("logs", "ls", "--json", "--level", "error");
        var error = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("modelservice", error.GetProperty("component").GetString());
        Assert.Equal("ERROR", error.GetProperty("level").GetString());
        Assert.Equal("System.Exception: boom", error.GetProperty("exception").GetString());

        (exit, output, _) = await Run("logs", "ls", "--component", "gateway", "--grep", "record 1", "--since", "2026-11-25T12:00:00.005Z");
        Assert.Equal(0, exit);
        Assert.Equal(10, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // records 10..19
    }

    [Theory]
    [InlineData("--level", "loud", "--level 'loud' is not a level")]
    [InlineData("--since", "yesterday-ish", "--since 'yesterday-ish' is not a date")]
    [InlineData("--until", "2026-13-45", "--until '2026-13-45' is not a date")]
    [InlineData("--trace-id", "xyz", "is not a trace id")]
    [InlineData("--limit", "0", "the limit must be between")]
    public async Task Bad_filters_are_usage_errors_with_a_clear_message(string option, string value, string message)
    {
        Seed();
        var (exit, output, error) = await Run("logs", "ls", option, value);
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Without_a_database_the_error_says_where_it_looked()
    {
        var (exit, _, error) = await Run("logs", "ls");
        Assert.Equal(1, exit);
        Assert.Contains("no database at " + _paths.DatabaseFile, error);
    }

    [Fact]
    public async Task A_database_behind_the_schema_is_refused_with_what_to_run_and_left_unmigrated()
    {
        var db = new EncryptedDatabase(StorageOptions.FromKeyStore(_paths));
        db.Write((c, tx) => Sql.Scalar(c, "CREATE TABLE unrelated (x INTEGER)", tx));

        var (exit, output, error) = await Run("logs", "ls");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("is at schema version 0", error);
        Assert.Contains("aico db init", error);
        Assert.Equal(0, db.ReadSchemaVersions().Current);
    }

    [Fact]
    public async Task Stat_json_reports_levels_components_and_per_producer_delivery()
    {
        Seed();
        var (exit, output, _) = await Run("logs", "stat", "--json");
        Assert.Equal(0, exit);
        var stats = JsonDocument.Parse(output).RootElement;
        Assert.Equal(21, stats.GetProperty("rows").GetInt64());
        Assert.Equal(20, stats.GetProperty("by_level").GetProperty("INFO").GetInt64());
        Assert.Equal(1, stats.GetProperty("by_component").GetProperty("modelservice").GetInt64());
        var producers = stats.GetProperty("producers").EnumerateArray().ToList();
        var gateway = producers.Single(p => p.GetProperty("producer").GetString() == "gateway/a1");
        Assert.Equal(20, gateway.GetProperty("received").GetInt64());
        Assert.Equal(0, gateway.GetProperty("gaps").GetInt64());
        Assert.Equal(0, gateway.GetProperty("duplicates").GetInt64());
        Assert.Equal("2026-11-25T12:00:00.001000Z", stats.GetProperty("oldest").GetString());
    }

    [Fact]
    public async Task Export_writes_jsonl_and_csv_that_keep_quotes_commas_and_newlines()
    {
        Seed();
        var jsonl = Path.Combine(_root, "out.jsonl");
        var (exit, _, progress) = await Run("logs", "export", "--format", "jsonl", "--output", jsonl);
        Assert.Equal(0, exit);
        Assert.Contains("exported 21 records", progress);
        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(21, lines.Length);
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString() == "failed, \"quoted\"\nsecond line");

        var csv = Path.Combine(_root, "out.csv");
        (exit, _, _) = await Run("logs", "export", "--format", "csv", "--output", csv, "--level", "error");
        Assert.Equal(0, exit);
        var text = File.ReadAllText(csv);
        Assert.StartsWith("id,timestamp,level,", text);
        Assert.Contains("\"failed, \"\"quoted\"\"\nsecond line\"", text);

        (exit, _, var error) = await Run("logs", "export", "--format", "xml", "--output", csv);
        Assert.Equal(2, exit);
        Assert.Contains("--format 'xml' is not supported", error);
    }

    [Fact]
    public async Task Rm_deletes_only_with_confirmation_and_only_older_rows()
    {
        var db = Seed();
        var (exit, _, error) = await Run("logs", "rm", "--before", "2026-11-25T12:00:00.011Z");
        Assert.Equal(1, exit); // no "y" on stdin
        Assert.Contains("nothing deleted", error);

        (exit, var output, _) = await Run("logs", "rm", "--before", "2026-11-25T12:00:00.011Z", "--yes");
        Assert.Equal(0, exit);
        Assert.Contains("Deleted 10 log records", output);
        var left = db.Execute(c => LogQuery.Count(c, new LogFilter { Limit = null }));
        Assert.Equal(11, left);

        (exit, _, error) = await Run("logs", "rm", "--before", "soon", "--yes");
        Assert.Equal(2, exit);
        Assert.Contains("is not a date", error);
    }

    [Fact]
    public async Task Tail_shows_the_newest_records()
    {
        Seed();
        var (exit, output, _) = await Run("logs", "tail", "-n", "2", "--component", "gateway");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("record 20", lines[1]);
    }
}
