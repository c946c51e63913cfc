using System.Diagnostics;
using System.Text;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;

namespace AICO.Logging.Tests;

/// <summary>
/// `aico logs tail -f` as a user runs it: the built CLI as its own process following a real encrypted database in a
/// temporary AICO_DATA_DIR (given to the child only), new rows stored by the log writer, stopped with SIGINT (Ctrl-C).
/// </summary>
public sealed class LogsTailFollowTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "aico-logs-tail-" + Guid.NewGuid().ToString("N"));
    private readonly AicoPaths _paths;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private Process? _tail;

    public LogsTailFollowTests()
    {
        _paths = new AicoPaths(Path.Combine(_root, "data"), Path.Combine(_root, "data", "run"));
        new MasterKeyStore(_paths).Create(force: false);
    }

    public void Dispose()
    {
        if (_tail is not null)
        {
            ChildProcess.Kill(_tail);
            _tail.Dispose();
        }

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

        _tail = StartCli("logs", "tail", "-f", "-n", "2", "--component", "gateway");
        await UntilPrintedAsync(Message(3));
        writer.Write([Batch(4, 3)]);
        await UntilPrintedAsync(Message(6));
        writer.Write([Batch(7, 2), new LogBatch("modelservice/c3", [Entry(99)])]);
        await UntilPrintedAsync(Message(8));

        SendSigint(_tail.Id);
        using var exitDeadline = new CancellationTokenSource(Deadline);
        await _tail.WaitForExitAsync(exitDeadline.Token);

        var output = Stdout;
        Assert.True(_tail.ExitCode == 0, $"exit {_tail.ExitCode}; stdout: {output}; stderr: {Stderr}");
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
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_tail!.HasExited)
            {
                Assert.Fail($"tail -f exited ({_tail.ExitCode}): {Stderr}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not printed within {Deadline.TotalSeconds} s; stdout: {Stdout}; stderr: {Stderr}");
            await Task.Delay(50);
        }
    }

    private string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    private Process StartCli(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "aico.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[AicoPaths.DataDirVariable] = _paths.DataDirectory;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.Append(line).Append('\n');
            }
        }
    }

    /// <summary>What Ctrl-C in a terminal sends; .NET has no API to send a signal other than SIGKILL.</summary>
    private static void SendSigint(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
