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

        using var libsodium = NSec.Cryptography.Key.Import(NSec.Cryptography.KeyAgreementAlgorithm.X25519, pair.SecretKey, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        Assert.Equal(libsodium.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey), pair.PublicKey.ToArray());
        Assert.Equal(pair.PublicKeyZ85, CurveKeyPair.FromSecretKeyZ85(pair.SecretKeyZ85).PublicKeyZ85);
        Assert.Equal(40, pair.PublicKeyZ85.Length);
    }

    [Fact]
    public void Two_derived_pairs_agree_on_a_shared_secret_as_curve_requires()
    {
        var d = new KeyDerivation(MasterKey);
        var broker = d.CurveKeyPair(Components.Broker);
        var client = d.CurveKeyPair(Components.Cli);

        Assert.Equal(Agree(client, broker), Agree(broker, client));
    }

    [Theory]
    [InlineData("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")]
    [InlineData("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")]
    public void Public_key_of_a_secret_matches_the_rfc_7748_test_vectors(string secretHex, string publicHex)
    {
        Assert.Equal(publicHex, Convert.ToHexStringLower(CurveKeyPair.FromSecretKey(Convert.FromHexString(secretHex)).PublicKey));
    }

    /// <summary>X25519(own secret, peer public) through libsodium, reduced by HKDF (NSec exports no raw shared secret by default).</summary>
    private static byte[] Agree(CurveKeyPair own, CurveKeyPair peer)
    {
        var x25519 = NSec.Cryptography.KeyAgreementAlgorithm.X25519;
        using var key = NSec.Cryptography.Key.Import(x25519, own.SecretKey, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        var peerKey = NSec.Cryptography.PublicKey.Import(x25519, peer.PublicKey, NSec.Cryptography.KeyBlobFormat.RawPublicKey);
        using var shared = x25519.Agree(key, peerKey)!;
        return NSec.Cryptography.KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, [], [], 32);
    }

    [Fact]
    public void Unknown_component_and_wrong_master_key_length_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new KeyDerivation(MasterKey).CurveKeyPair("intruder"));
        Assert.Throws<ArgumentException>(() => new KeyDerivation(new byte[16]));
    }
}
