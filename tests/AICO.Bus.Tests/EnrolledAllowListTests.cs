using AICO.Security;

namespace AICO.Bus.Tests;

public sealed class EnrolledAllowListTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aico-allow-" + Guid.NewGuid().ToString("N"));
    private readonly AicoPaths _paths;
    private readonly KeyDerivation _keys;

    public EnrolledAllowListTests()
    {
        _paths = new AicoPaths(Path.Combine(_root, "data"), Path.Combine(_root, "run"));
        var store = new MasterKeyStore(_paths);
        store.Create(force: false);
        _keys = store.LoadDerivation();
    }

    [Fact]
    public async Task An_enrolment_made_while_the_broker_runs_reaches_it_without_a_restart()
    {
        var seen = new TaskCompletionSource<EnrolmentSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new EnrolledAllowList(_paths.EnrolmentsFile, s => seen.TrySetResult(s), pollInterval: TimeSpan.FromMilliseconds(50));
        source.Start();
        Assert.Empty(source.Current.Active);

        var bundle = Enrol("gpu-box");

        var snapshot = await seen.Task.WaitAsync(BusFixture.Deadline);
        Assert.Equal(bundle.KeyPair.PublicKeyZ85, snapshot.Active["modelservice@gpu-box"]);
    }

    [Fact]
    public void A_revoked_instance_leaves_the_active_list_and_is_named_as_revoked()
    {
        Enrol("a");
        Enrol("b");
        var changes = new List<EnrolmentSnapshot>();
        using var source = new EnrolledAllowList(_paths.EnrolmentsFile, changes.Add);
        source.Poll();

        new EnrolmentRegistry(_paths).Revoke("a");
        source.Poll();

        Assert.Equal(["modelservice@b"], changes[^1].Active.Keys);
        Assert.Equal(["modelservice@a"], changes[^1].Revoked);
    }

    [Fact]
    public void A_damaged_list_keeps_the_last_good_one_instead_of_locking_every_host_out()
    {
        Enrol("a");
        var changes = new List<EnrolmentSnapshot>();
        using var source = new EnrolledAllowList(_paths.EnrolmentsFile, changes.Add);
        Assert.Single(source.Current.Active);

        File.WriteAllText(_paths.EnrolmentsFile, "{\"format\":\"aico-enrolments/1\",\"inst");
        source.Poll();

        Assert.Empty(changes);
        Assert.Equal(["modelservice@a"], source.Current.Active.Keys);
    }

    [Fact]
    public void An_unchanged_file_is_not_reported_again()
    {
        Enrol("a");
        var changes = 0;
        using var source = new EnrolledAllowList(_paths.EnrolmentsFile, _ => changes++);

        source.Poll();
        source.Poll();

        Assert.Equal(0, changes);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private EnrolmentBundle Enrol(string name) => new EnrolmentRegistry(_paths).Enrol(
        Components.ModelService, name, "tcp://10.0.0.1:5555", _keys, Path.Combine(_root, name + ".bundle"), overwrite: false);
}
