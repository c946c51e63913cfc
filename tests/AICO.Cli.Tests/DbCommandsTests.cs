using AICO.Storage;
using System.Text.Json;
using AICO.Cli;
using AICO.Security;
using Microsoft.Data.Sqlite;

namespace AICO.Cli.Tests;

/// <summary>
/// `aico db ...` through CliApp.RunAsync against a throwaway AICO_DATA_DIR (process-wide, hence the collection).
/// </summary>
[Collection(DataDirectoryVariableCollection.Name)]
public sealed class DbCommandsTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly string? _previousDataDir = Environment.GetEnvironmentVariable(AicoPaths.DataDirVariable);

    public DbCommandsTests() => Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, _temp.Paths.DataDirectory);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, _previousDataDir);
        _temp.Dispose();
    }

    [Fact]
    public async Task Init_then_status_reports_sqlcipher_4_14_in_wal_mode_at_the_latest_schema()
    {
        await Aico(0, "security", "init");
        var init = await Aico(0, "db", "init");
        var status = await Aico(0, "db", "status", "--json");

        Assert.Contains($"schema version {MigrationCatalog.Default.LatestVersion}", init.Out);
        var json = JsonDocument.Parse(status.Out).RootElement;
        Assert.Equal(_temp.DatabaseFile, json.GetProperty("path").GetString());
        Assert.StartsWith("4.14.", json.GetProperty("cipher_version").GetString());
        Assert.StartsWith("3.", json.GetProperty("sqlite_version").GetString());
        Assert.Equal("wal", json.GetProperty("journal_mode").GetString());
        Assert.Equal(MigrationCatalog.Default.LatestVersion, json.GetProperty("schema_version").GetInt32());
        Assert.Equal(0, json.GetProperty("tables").GetProperty("logs").GetInt64());
        Assert.Equal(MigrationCatalog.Default.LatestVersion, json.GetProperty("tables").GetProperty("schema_migrations").GetInt64());
    }

    [Fact]
    public async Task Status_counts_rows_written_by_a_service_and_init_is_idempotent()
    {
        await Aico(0, "security", "init");
        await Aico(0, "db", "init");
        var database = new EncryptedDatabase(StorageOptions.FromKeyStore(_temp.Paths));
        database.Write((c, tx) => Sql.InsertLog(c, tx, "gateway", 1, "a") + Sql.InsertLog(c, tx, "gateway", 2, "b"));

        var again = await Aico(0, "db", "init");
        var status = JsonDocument.Parse((await Aico(0, "db", "status", "--json")).Out).RootElement;

        Assert.Contains("none pending", again.Out);
        Assert.Equal(2, status.GetProperty("tables").GetProperty("logs").GetInt64());
    }

    [Fact]
    public async Task Check_and_vacuum_succeed_on_a_sound_database()
    {
        await Aico(0, "security", "init");
        await Aico(0, "db", "init");

        var check = await Aico(0, "db", "check");
        var checkJson = JsonDocument.Parse((await Aico(0, "db", "check", "--json")).Out).RootElement;
        var vacuum = await Aico(0, "db", "vacuum");

        Assert.Contains("integrity_check:        ok", check.Out);
        Assert.Contains("cipher_integrity_check: ok", check.Out);
        Assert.True(checkJson.GetProperty("ok").GetBoolean());
        Assert.Contains("bytes after", vacuum.Out);
    }

    [Fact]
    public async Task Check_fails_with_exit_1_when_a_page_was_tampered_with()
    {
        await Aico(0, "security", "init");
        await Aico(0, "db", "init");
        SqliteConnection.ClearAllPools();
        using (var file = new FileStream(_temp.DatabaseFile, FileMode.Open, FileAccess.ReadWrite))
        {
            Assert.True(file.Length >= 3 * 4096);
            file.Position = 2 * 4096 + 100; // inside page 3: its HMAC no longer matches
            file.Write([0xde, 0xad, 0xbe, 0xef]);
        }

        var check = await Aico(1, "db", "check");

        Assert.Contains("cipher_integrity_check: 1 problem(s)", check.Out);
        Assert.Contains("HMAC", check.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_key_gives_exit_1_and_the_clear_message()
    {
        await Aico(0, "security", "init");
        await Aico(0, "db", "init");
        await Aico(0, "security", "init", "--force");

        foreach (var command in new[] { new[] { "db", "status", "--json" }, ["db", "init"], ["db", "check"], ["db", "vacuum"] })
        {
            var result = await Aico(1, command);
            Assert.StartsWith("error: database key does not match", result.Err);
            Assert.Equal("", result.Out);
        }
    }

    [Fact]
    public async Task Without_a_key_store_or_a_database_the_commands_say_what_to_run()
    {
        var noStore = await Aico(1, "db", "init");
        await Aico(0, "security", "init");
        var noDatabase = await Aico(1, "db", "status", "--json");

        Assert.Contains("aico security init", noStore.Err);
        Assert.Contains("aico db init", noDatabase.Err);
        Assert.False(File.Exists(_temp.DatabaseFile), "status must not create the database");
    }

    [Fact]
    public async Task Key_refuses_without_reveal_and_prints_a_raw_key_that_opens_the_file_with_it()
    {
        await Aico(0, "security", "init");
        await Aico(0, "db", "init");

        var refused = await Aico(2, "db", "key");
        var revealed = await Aico(0, "db", "key", "--reveal");

        Assert.Contains("--reveal", refused.Err);
        Assert.Equal("", refused.Out);
        Assert.StartsWith("warning:", revealed.Err);
        var hex = revealed.Out.Trim();
        Assert.Matches("^[0-9a-f]{64}$", hex);
        Assert.Equal(Convert.ToHexStringLower(new MasterKeyStore(_temp.Paths).LoadDerivation().DatabaseKey()), hex);

        SqliteConnection.ClearAllPools();
        using var plain = new SqliteConnection($"Data Source={_temp.DatabaseFile};Pooling=False");
        plain.Open();
        Sql.Scalar(plain, $"PRAGMA key = \"x'{hex}'\"");
        Assert.Equal((long)MigrationCatalog.Default.LatestVersion, Sql.Long(plain, "SELECT count(*) FROM schema_migrations"));
    }

    private static async Task<(string Out, string Err)> Aico(int expectedExitCode, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        Assert.True(exit == expectedExitCode, $"aico {string.Join(' ', args)} exited {exit}, expected {expectedExitCode}\nstdout: {stdout}\nstderr: {stderr}");
        return (stdout.ToString(), stderr.ToString());
    }
}
