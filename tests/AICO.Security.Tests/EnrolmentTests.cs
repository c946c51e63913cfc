namespace AICO.Security.Tests;

public class EnrolmentTests
{
    private const string Endpoint = "tcp://10.200.0.1:5555";

    [Fact]
    public void A_model_service_bundle_carries_its_own_key_pair_and_the_broker_key_but_no_shared_secret()
    {
        using var home = new TempDataDirectory();
        var derivation = Install(home);
        var file = Path.Combine(home.Path, "gpu.bundle");

        var bundle = new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "gpu-box", Endpoint, derivation, file, overwrite: false);

        var text = File.ReadAllText(file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal("modelservice@gpu-box", bundle.Instance);
        Assert.Contains(bundle.KeyPair.SecretKeyZ85, text);
        Assert.Contains(derivation.CurveKeyPair(Components.Broker).PublicKeyZ85, text);
        Assert.Contains(Endpoint, text);
        Assert.NotEqual(derivation.CurveKeyPair(Components.ModelService).PublicKeyZ85, bundle.KeyPair.PublicKeyZ85);
        foreach (var secret in Secrets(home, derivation))
        {
            Assert.DoesNotContain(secret, text);
        }

        Assert.DoesNotContain("databaseKey", text);
        Assert.DoesNotContain("jwtSigningKey", text);
    }

    [Fact]
    public void A_gateway_bundle_carries_the_database_and_token_keys_it_needs()
    {
        using var home = new TempDataDirectory();
        var derivation = Install(home);
        var file = Path.Combine(home.Path, "gw.bundle");

        new EnrolmentRegistry(home.Paths).Enrol(Components.Gateway, null, Endpoint, derivation, file, overwrite: false);
        var read = EnrolmentBundle.Read(file);

        Assert.Equal(derivation.DatabaseKey(), read.DatabaseKey);
        Assert.Equal(derivation.JwtSigningKey(), read.JwtSigningKey);
        Assert.StartsWith("gateway@host-", read.Instance);
        Assert.DoesNotContain(Convert.ToHexString(home.MasterKey()), File.ReadAllText(file));
    }

    [Fact]
    public void A_host_with_only_a_joined_bundle_resolves_the_instance_keys_and_endpoint_without_any_master_key()
    {
        using var home = new TempDataDirectory();
        using var remote = new TempDataDirectory();
        var file = Path.Combine(home.Path, "b");
        var bundle = new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "gpu-box", Endpoint, Install(home), file, overwrite: false);

        new JoinedBundles(remote.Paths).Install(file, replace: false);
        var keys = ComponentKeys.Resolve(Components.ModelService, _ => null, remote.Paths);

        Assert.False(File.Exists(remote.Paths.MasterKeyFile));
        Assert.Equal(Components.ModelService, keys.Component);
        Assert.Equal("modelservice@gpu-box", keys.Instance);
        Assert.Equal(bundle.KeyPair.PublicKeyZ85, keys.KeyPair.PublicKeyZ85);
        Assert.Equal(bundle.BrokerPublicKeyZ85, keys.BrokerPublicKeyZ85);
        Assert.Equal(Endpoint, keys.BusEndpoint);
        Assert.Null(keys.DatabaseKey);
        Assert.Throws<KeyStoreException>(() => ComponentKeys.Resolve(Components.Gateway, _ => null, remote.Paths));
    }

    [Fact]
    public void A_truncated_bundle_is_refused_with_one_line_naming_the_file()
    {
        using var home = new TempDataDirectory();
        var file = Path.Combine(home.Path, "b");
        new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "x", Endpoint, Install(home), file, overwrite: false);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<KeyStoreException>(() => EnrolmentBundle.Read(file));

        Assert.Contains("truncated", ex.Message);
        Assert.Contains(file, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_bundle_readable_by_others_is_refused_because_it_holds_a_secret_key()
    {
        using var home = new TempDataDirectory();
        var file = Path.Combine(home.Path, "b");
        new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "x", Endpoint, Install(home), file, overwrite: false);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var remote = new TempDataDirectory();
        var ex = Assert.Throws<KeyStoreException>(() => new JoinedBundles(remote.Paths).Install(file, replace: false));

        Assert.Contains("mode 0644", ex.Message);
        Assert.Contains("chmod 600", ex.Message);
    }

    [Fact]
    public void A_bundle_whose_keys_were_edited_is_refused_as_damaged()
    {
        using var home = new TempDataDirectory();
        var file = Path.Combine(home.Path, "b");
        var bundle = new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "x", Endpoint, Install(home), file, overwrite: false);
        var otherBroker = CurveKeyPair.Generate().PublicKeyZ85;
        File.WriteAllText(file, File.ReadAllText(file).Replace(bundle.BrokerPublicKeyZ85, otherBroker, StringComparison.Ordinal));

        var ex = Assert.Throws<KeyStoreException>(() => EnrolmentBundle.Read(file));

        Assert.Contains("damaged", ex.Message);
    }

    [Fact]
    public void Joining_a_bundle_of_another_installation_is_refused_unless_forced()
    {
        using var first = new TempDataDirectory();
        using var second = new TempDataDirectory();
        using var remote = new TempDataDirectory();
        var a = Path.Combine(first.Path, "a");
        var b = Path.Combine(second.Path, "b");
        new EnrolmentRegistry(first.Paths).Enrol(Components.ModelService, "x", Endpoint, Install(first), a, overwrite: false);
        var other = new EnrolmentRegistry(second.Paths).Enrol(Components.LogConsumer, "y", Endpoint, Install(second), b, overwrite: false);
        var joined = new JoinedBundles(remote.Paths);
        joined.Install(a, replace: false);

        var ex = Assert.Throws<KeyStoreException>(() => joined.Install(b, replace: false));
        Assert.Contains("installation " + other.Installation, ex.Message);
        Assert.Single(joined.List());

        joined.Install(b, replace: true);
        Assert.Equal(["logconsumer@y"], joined.List().Select(x => x.Instance));
    }

    [Fact]
    public void Joining_into_a_data_directory_that_holds_a_master_key_is_refused()
    {
        using var home = new TempDataDirectory();
        using var otherInstall = new TempDataDirectory();
        var file = Path.Combine(home.Path, "b");
        new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "x", Endpoint, Install(home), file, overwrite: false);
        Install(otherInstall);

        Assert.Contains("needs no bundle", Assert.Throws<KeyStoreException>(() => new JoinedBundles(home.Paths).Install(file, false)).Message);
        Assert.Contains("master key of installation", Assert.Throws<KeyStoreException>(() => new JoinedBundles(otherInstall.Paths).Install(file, false)).Message);
    }

    [Fact]
    public void Revoke_marks_one_instance_by_its_name_or_all_of_a_component_and_refuses_unknown_names()
    {
        using var home = new TempDataDirectory();
        var derivation = Install(home);
        var registry = new EnrolmentRegistry(home.Paths);
        foreach (var name in new[] { "a", "b", "c" })
        {
            registry.Enrol(Components.ModelService, name, Endpoint, derivation, Path.Combine(home.Path, name), overwrite: false);
        }

        registry.Enrol(Components.Cli, "laptop", Endpoint, derivation, Path.Combine(home.Path, "laptop"), overwrite: false);

        Assert.Equal(["modelservice@a"], registry.Revoke("a").Select(e => e.Instance));
        Assert.Equal(["modelservice@b", "modelservice@c"], registry.Revoke("modelservice").Select(e => e.Instance));
        Assert.Contains("already revoked", Assert.Throws<KeyStoreException>(() => registry.Revoke("modelservice@a")).Message);
        Assert.Contains("No enrolled", Assert.Throws<KeyStoreException>(() => registry.Revoke("nobody")).Message);
        Assert.Equal(["cli@laptop"], registry.Read().Where(e => !e.IsRevoked).Select(e => e.Instance));
        Assert.Equal(4, registry.Read().Count);
    }

    [Fact]
    public void Enrolling_an_active_name_twice_or_a_component_that_is_no_bus_client_is_refused()
    {
        using var home = new TempDataDirectory();
        var derivation = Install(home);
        var registry = new EnrolmentRegistry(home.Paths);
        registry.Enrol(Components.ModelService, "gpu", Endpoint, derivation, Path.Combine(home.Path, "1"), overwrite: false);

        Assert.Contains("already enrolled", Assert.Throws<KeyStoreException>(() => registry.Enrol(Components.ModelService, "gpu", Endpoint, derivation, Path.Combine(home.Path, "2"), false)).Message);
        Assert.Throws<KeyStoreException>(() => registry.Enrol(Components.Broker, "gpu", Endpoint, derivation, Path.Combine(home.Path, "3"), false));
        Assert.Throws<KeyStoreException>(() => registry.Enrol(Components.ModelService, "Bad Name", Endpoint, derivation, Path.Combine(home.Path, "4"), false));
        Assert.Throws<KeyStoreException>(() => registry.Enrol(Components.ModelService, "ok", "http://x:1", derivation, Path.Combine(home.Path, "5"), false));
        Assert.False(File.Exists(Path.Combine(home.Path, "2")));
        Assert.Single(registry.Read());
    }

    [Fact]
    public void Concurrent_enrolments_from_several_threads_all_land_in_the_list()
    {
        using var home = new TempDataDirectory();
        var derivation = Install(home);
        var registry = new EnrolmentRegistry(home.Paths);

        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            new EnrolmentRegistry(home.Paths).Enrol(Components.ModelService, "n" + i, Endpoint, derivation, Path.Combine(home.Path, "b" + i), overwrite: false));

        Assert.Equal(24, registry.Read().Select(e => e.Instance).Distinct().Count());
    }

    [Fact]
    public void A_damaged_enrolment_list_is_reported_not_treated_as_empty()
    {
        using var home = new TempDataDirectory();
        Install(home);
        File.WriteAllText(home.Paths.EnrolmentsFile, "{\"format\":\"aico-enrolments/1\",\"instances\":[{\"instance\":");

        var ex = Assert.Throws<KeyStoreException>(() => new EnrolmentRegistry(home.Paths).Read());

        Assert.Contains("damaged", ex.Message);
    }

    private static KeyDerivation Install(TempDataDirectory home)
    {
        var store = new MasterKeyStore(home.Paths);
        store.Create(force: false);
        return store.LoadDerivation();
    }

    private static IEnumerable<string> Secrets(TempDataDirectory home, KeyDerivation derivation)
    {
        var master = home.MasterKey();
        yield return Convert.ToHexString(master);
        yield return Convert.ToBase64String(master);
        yield return Z85.Encode(master);
        yield return Convert.ToHexString(derivation.DatabaseKey());
        yield return Convert.ToBase64String(derivation.JwtSigningKey());
        yield return derivation.CurveKeyPair(Components.Broker).SecretKeyZ85;
        yield return derivation.CurveKeyPair(Components.ModelService).SecretKeyZ85;
    }
}
