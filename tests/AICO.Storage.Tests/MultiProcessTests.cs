namespace AICO.Storage.Tests;

/// <summary>
/// Real OS processes on one encrypted file at once: several writers (each also migrating the fresh file at start,
/// as services do) and a reader, thousands of writes each. Every row must arrive, with no error anywhere.
/// </summary>
public class MultiProcessTests
{
    private const int Writers = 4;
    private const int RowsPerWriter = 2000;
    private const int RowsPerTransaction = 5;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Writers_and_a_reader_in_separate_processes_lose_nothing_and_leave_a_sound_file()
    {
        using var temp = new TempDatabase();
        const int total = Writers * RowsPerWriter;

        var processes = Enumerable.Range(1, Writers)
            .Select(i => Start("write", temp, $"writer-{i}", $"{RowsPerWriter}", $"{RowsPerTransaction}"))
            .Append(Start("read", temp, $"{total}", $"{(int)Deadline.TotalSeconds}"))
            .ToArray();
        var results = await Task.WhenAll(processes.Select(WaitAsync));

        foreach (var (exitCode, stdout, stderr) in results)
        {
            Assert.True(exitCode == 0 && stderr.Length == 0, $"exit {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        }

        Assert.All(results.Take(Writers), r => Assert.StartsWith($"written={RowsPerWriter}", r.Stdout));
        Assert.StartsWith("reads=", results[^1].Stdout);
        Assert.Contains($"seen={total}", results[^1].Stdout);

        var database = temp.Open();
        database.Execute(c =>
        {
            Assert.Equal((long)total, Sql.Long(c, "SELECT count(*) FROM logs"));
            var perWriter = Sql.Column(c,
                "SELECT producer || ':' || count(*) || ':' || min(sequence) || ':' || max(sequence) FROM logs GROUP BY producer ORDER BY producer");
            Assert.Equal(Enumerable.Range(1, Writers).Select(i => $"writer-{i}:{RowsPerWriter}:1:{RowsPerWriter}"), perWriter);
            Assert.Equal((long)MigrationCatalog.Default.LatestVersion, Sql.Long(c, "SELECT count(*) FROM schema_migrations"));
            return true;
        });
        var check = new DatabaseMaintenance(database).Check();
        Assert.True(check.Ok, string.Join("; ", check.IntegrityErrors.Concat(check.CipherErrors)));
    }

    private static TestProcess Start(string mode, TempDatabase temp, params string[] args) => TestProcess.Start(
        TestProcess.Built("tests", "AICO.Storage.TestWriter"),
        [mode, temp.DatabaseFile, .. args],
        new Dictionary<string, string> { ["AICO_TEST_DB_KEY"] = Convert.ToHexString(temp.Key) });

    private static async Task<(int ExitCode, string Stdout, string Stderr)> WaitAsync(TestProcess process)
    {
        await using (process)
        {
            var exitCode = await process.WaitForExitAsync(Deadline);
            return (exitCode, process.Stdout.Trim(), process.Stderr.Trim());
        }
    }
}
