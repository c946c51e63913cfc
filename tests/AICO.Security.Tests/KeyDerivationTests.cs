using System.Security.Cryptography;

namespace AICO.Security.Tests;

public class KeyDerivationTests
{
    private static readonly byte[] MasterKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Same_master_key_gives_same_keys_in_separate_instances()
    {
        var a = new KeyDerivation(MasterKey);
        var b = new KeyDerivation(MasterKey.ToArray());

        Assert.Equal(a.DatabaseKey(), b.DatabaseKey());
        Assert.Equal(a.JwtSigningKey(), b.JwtSigningKey());
        foreach (var component in Components.All)
        {
            Assert.Equal(a.CurveKeyPair(component).SecretKeyZ85, b.CurveKeyPair(component).SecretKeyZ85);
            Assert.Equal(a.CurveKeyPair(component).PublicKeyZ85, b.CurveKeyPair(component).PublicKeyZ85);
        }
    }

    [Fact]
    public void Different_master_keys_give_different_keys()
    {
        var a = new KeyDerivation(MasterKey);
        var b = new KeyDerivation(RandomNumberGenerator.GetBytes(32));

        Assert.NotEqual(a.DatabaseKey(), b.DatabaseKey());
        Assert.NotEqual(a.CurveKeyPair(Components.Broker).PublicKeyZ85, b.CurveKeyPair(Components.Broker).PublicKeyZ85);
    }

    [Fact]
    public void Every_label_gives_a_distinct_key()
    {
        var d = new KeyDerivation(MasterKey);
        var keys = new List<string> { Convert.ToHexString(d.DatabaseKey()), Convert.ToHexString(d.JwtSigningKey()) };
        keys.AddRange(Components.All.Select(c => Convert.ToHexString(d.CurveKeyPair(c).SecretKey)));

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Equal(64, k.Length));
    }

    [Fact]
    public void Derivation_is_HKDF_SHA256_with_the_label_as_info()
    {
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, MasterKey, 32, [], "aico/v1/database"u8.ToArray());
        Assert.Equal(expected, new KeyDerivation(MasterKey).DatabaseKey());
    }

    [Fact]
    public void Derived_curve_pair_is_valid_its_public_key_is_the_base_point_times_the_secret()
    {
        var pair = new KeyDerivation(MasterKey).CurveKeyPair(Components.Gateway);

        Assert.Equal(NaCl.Curve25519.ScalarMultiplicationBase(pair.SecretKey.ToArray()), pair.PublicKey.ToArray());
        Assert.Equal(pair.PublicKeyZ85, CurveKeyPair.FromSecretKeyZ85(pair.SecretKeyZ85).PublicKeyZ85);
        Assert.Equal(40, pair.PublicKeyZ85.Length);
    }

    [Fact]
    public void Two_derived_pairs_agree_on_a_shared_secret_as_curve_requires()
    {
        var d = new KeyDerivation(MasterKey);
        var broker = d.CurveKeyPair(Components.Broker);
        var client = d.CurveKeyPair(Components.Cli);

        var fromClient = NaCl.Curve25519.ScalarMultiplication(client.SecretKey.ToArray(), broker.PublicKey.ToArray());
        var fromBroker = NaCl.Curve25519.ScalarMultiplication(broker.SecretKey.ToArray(), client.PublicKey.ToArray());
        Assert.Equal(fromClient, fromBroker);
    }

    [Fact]
    public void Unknown_component_and_wrong_master_key_length_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new KeyDerivation(MasterKey).CurveKeyPair("intruder"));
        Assert.Throws<ArgumentException>(() => new KeyDerivation(new byte[16]));
    }
}
