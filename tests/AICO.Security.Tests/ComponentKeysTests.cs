using System.Security.Cryptography;

namespace AICO.Security.Tests;

public class ComponentKeysTests
{
    [Fact]
    public void Injected_keys_match_what_the_key_store_derives()
    {
        using var dir = new TempDataDirectory();
        var store = new MasterKeyStore(dir.Paths);
        store.Create(force: false);
        var derivation = store.LoadDerivation();
        var settings = new Dictionary<string, string?>
        {
            [ComponentKeys.SecretKeySetting] = derivation.CurveKeyPair(Components.Gateway).SecretKeyZ85,
            [ComponentKeys.BrokerPublicKeySetting] = derivation.CurveKeyPair(Components.Broker).PublicKeyZ85,
            [ComponentKeys.DatabaseKeySetting] = Convert.ToHexString(derivation.DatabaseKey()),
        };

        var injected = ComponentKeys.Resolve(Components.Gateway, k => settings.GetValueOrDefault(k), new AicoPaths("/nonexistent", "/nonexistent/run"));
        var fromStore = ComponentKeys.Resolve(Components.Gateway, _ => null, dir.Paths);

        Assert.Equal(fromStore.KeyPair.PublicKeyZ85, injected.KeyPair.PublicKeyZ85);
        Assert.Equal(fromStore.BrokerPublicKeyZ85, injected.BrokerPublicKeyZ85);
        Assert.Equal(fromStore.DatabaseKey, injected.DatabaseKey);
        Assert.Null(injected.JwtSigningKey);
    }

    [Fact]
    public void A_secret_key_without_a_broker_key_is_an_error_not_a_silent_mix()
    {
        var secret = CurveKeyPair.Generate().SecretKeyZ85;
        var ex = Assert.Throws<KeyStoreException>(() => ComponentKeys.Resolve(
            Components.Cli, k => k == ComponentKeys.SecretKeySetting ? secret : null, new AicoPaths("/none", "/none/run")));
        Assert.Contains(ComponentKeys.BrokerPublicKeySetting, ex.Message);
    }

    [Fact]
    public void Allow_list_round_trips_and_rejects_garbage()
    {
        var d = new KeyDerivation(RandomNumberGenerator.GetBytes(32));
        var list = Components.Clients.ToDictionary(c => c, c => d.CurveKeyPair(c).PublicKeyZ85);

        Assert.Equal(list, ComponentKeys.ParseAllowList(ComponentKeys.FormatAllowList(list)));
        Assert.Throws<KeyStoreException>(() => ComponentKeys.ParseAllowList("gateway=notakey"));
        Assert.Throws<KeyStoreException>(() => ComponentKeys.ParseAllowList("justtext"));
    }

    [Fact]
    public void Broker_derivation_carries_the_allow_list_of_every_client()
    {
        var d = new KeyDerivation(RandomNumberGenerator.GetBytes(32));
        var broker = ComponentKeys.Derive(d, Components.Broker);
        Assert.Equal(Components.Clients.OrderBy(c => c), broker.AllowList.Keys.OrderBy(c => c));
        Assert.Equal(d.CurveKeyPair(Components.Cli).PublicKeyZ85, broker.AllowList[Components.Cli]);
    }
}
