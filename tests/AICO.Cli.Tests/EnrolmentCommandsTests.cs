using System.Text.Json;
using AICO.Security;

namespace AICO.Cli.Tests;

/// <summary>`aico security enroll|join|revoke|status` as their own processes, host A and host B as two data directories.</summary>
public sealed class EnrolmentCommandsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aico-enrol-" + Guid.NewGuid().ToString("N"));

    private AicoPaths A => Paths("a");
    private AicoPaths B => Paths("b");

    [Fact]
    public async Task Enroll_on_one_host_join_on_the_other_then_revoke_shows_in_status_on_both()
    {
        await Aico(A, 0, "security", "init");
        var bundle = Path.Combine(_root, "gpu.bundle");
        var enrolled = await Aico(A, 0, "security", "enroll", "modelservice", "--name", "gpu-box", "--endpoint", "tcp://10.0.0.1:5555", "--out", bundle);
        var joined = await Aico(B, 0, "security", "join", bundle);

        Assert.Contains("Enrolled modelservice@gpu-box", enrolled);
        Assert.Contains("Joined installation", joined);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(B.JoinedBundleFile("modelservice")));
        Assert.False(File.Exists(B.MasterKeyFile));
        var onB = JsonDocument.Parse(await Aico(B, 0, "security", "status", "--json")).RootElement;
        Assert.Equal("modelservice@gpu-box", onB.GetProperty("joined")[0].GetProperty("instance").GetString());
        Assert.Equal("tcp://10.0.0.1:5555", onB.GetProperty("joined")[0].GetProperty("bus_endpoint").GetString());

        Assert.Contains("Revoked modelservice@gpu-box", await Aico(A, 0, "security", "revoke", "gpu-box"));
        var onA = JsonDocument.Parse(await Aico(A, 0, "security", "status", "--json")).RootElement;
        Assert.Equal("revoked", onA.GetProperty("enrolled")[0].GetProperty("state").GetString());
        Assert.Contains("Enrolled instances:", await Aico(A, 0, "security", "status"));
        await Aico(A, 1, "security", "revoke", "gpu-box");
    }

    [Theory]
    [InlineData("truncated", "truncated or damaged")]
    [InlineData("readable by others", "mode 0644")]
    [InlineData("another installation", "belongs to installation")]
    [InlineData("missing", "No enrolment bundle")]
    public async Task A_bad_bundle_fails_join_with_one_clear_line_and_no_stack_trace(string damage, string expected)
    {
        await Aico(A, 0, "security", "init");
        var bundle = Path.Combine(_root, "b.bundle");
        await Aico(A, 0, "security", "enroll", "modelservice", "--endpoint", "tcp://10.0.0.1:5555", "--out", bundle);
        switch (damage)
        {
            case "truncated":
                File.WriteAllBytes(bundle, File.ReadAllBytes(bundle)[..100]);
                break;
            case "readable by others":
                File.SetUnixFileMode(bundle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                break;
            case "another installation":
                var other = Paths("other");
                await Aico(other, 0, "security", "init");
                var first = Path.Combine(_root, "first.bundle");
                await Aico(other, 0, "security", "enroll", "logconsumer", "--endpoint", "tcp://10.0.0.9:5555", "--out", first);
                await Aico(B, 0, "security", "join", first);
                break;
            default:
                File.Delete(bundle);
                break;
        }

        await using var cli = TestProcess.StartCli(Environment(B), "security", "join", bundle);
        Assert.Equal(1, await cli.WaitForExitAsync());

        var lines = cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", cli.Stderr);
        Assert.False(File.Exists(B.JoinedBundleFile("modelservice")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private AicoPaths Paths(string host) => new(Path.Combine(_root, host), Path.Combine(_root, host, "run"));

    private static Dictionary<string, string> Environment(AicoPaths paths) => new()
    {
        [AicoPaths.DataDirVariable] = paths.DataDirectory,
        [AicoPaths.RuntimeDirVariable] = paths.RuntimeDirectory,
    };

    private static Task<string> Aico(AicoPaths paths, int expectedExit, params string[] args) =>
        TestProcess.RunCliAsync(Environment(paths), expectedExit, args);
}
