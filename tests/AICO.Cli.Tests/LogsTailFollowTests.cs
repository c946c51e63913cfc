using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;

namespace AICO.Cli.Tests;

/// <summary>
/// `aico logs tail -f` as a user runs it: the built CLI as its own process following a real encrypted database in a
/// temporary AICO_DATA_DIR (given to the child only), new rows stored by the log writer, stopped with SIGINT (Ctrl-C).
/// </summary>
public sealed class LogsTailFollowTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "aico-logs-tail-" + Guid.NewGuid().ToString("N"));
    private readonly AicoPaths _paths;
    private TestProcess? _tail;

    public LogsTailFollowTests()
    {
        _paths = new AicoPaths(Path.Combine(_root, "data"), Path.Combine(_root, "data", "run"));
        new MasterKeyStore(_paths).Create(force: false);
    }

    public void Dispose()
    {
        _tail?.Dispose();

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Tail_follow_prints_rows_stored_after_it_started_in_order_and_exits_0_on_sigint()
    {
        var db = new EncryptedDatabase(StorageOptions.FromKeyStore(_paths));
        db.Migrate();
        var writer = new LogBatchWriter(db);
        writer.Write([Batch(1, 3)]);

        _tail = TestProcess.StartCli(
            new Dictionary<string, string> { [AicoPaths.DataDirVariable] = _paths.DataDirectory },
            "logs", "tail", "-f", "-n", "2", "--component", "gateway");
        await UntilPrintedAsync(Message(3));
        writer.Write([Batch(4, 3)]);
        await UntilPrintedAsync(Message(6));
        writer.Write([Batch(7, 2), new LogBatch("modelservice/c3", [Entry(99)])]);
        await UntilPrintedAsync(Message(8));

        _tail.SendSigint();
        using var exitDeadline = new CancellationTokenSource(Deadline);
        await _tail.Process.WaitForExitAsync(exitDeadline.Token);

        var output = _tail!.Stdout;
        Assert.True(_tail.Process.ExitCode == 0, $"exit {_tail.Process.ExitCode}; stdout: {output}; stderr: {_tail!.Stderr}");
        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..])
            .ToList();
        Assert.Equal(Enumerable.Range(2, 7).Select(i => Message(i)), printed);
        Assert.DoesNotContain(Message(99), output);
    }

    private static LogBatch Batch(long first, int count) =>
        new("gateway/a1", Enumerable.Range(0, count).Select(i => Entry(first + i)).ToList());

    private static LogEntry Entry(long sequence) => new()
    {
        Sequence = sequence,
        Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(sequence),
        Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Category = "AICO.Gateway.ChatEndpoints",
        Message = Message(sequence),
    };

    private static string Message(long sequence) => $"follow record {sequence:D3}";

    private async Task UntilPrintedAsync(string text)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!_tail!.Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_tail!.Process.HasExited)
            {
                Assert.Fail($"tail -f exited ({_tail.Process.ExitCode}): {_tail!.Stderr}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not printed within {Deadline.TotalSeconds} s; stdout: {_tail!.Stdout}; stderr: {_tail!.Stderr}");
            await Task.Delay(50);
        }
    }

}
