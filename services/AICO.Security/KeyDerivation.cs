using System.Security.Cryptography;
using System.Text;

namespace AICO.Security;

/// <summary>
/// Derives every key of an installation from its master key with HKDF-SHA256, one label per use.
/// The same master key gives the same keys in every process, so keys never need to be copied or hard-coded,
/// and the labels keep the uses apart: knowing one derived key reveals nothing about another.
/// </summary>
public sealed class KeyDerivation
{
    private const string LabelPrefix = "aico/v1/";
    private readonly byte[] _masterKey;

    public KeyDerivation(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != MasterKeyStore.MasterKeyLength)
        {
            throw new ArgumentException($"The master key is {MasterKeyStore.MasterKeyLength} bytes, got {masterKey.Length}.", nameof(masterKey));
        }

        _masterKey = masterKey.ToArray();
    }

    /// <summary>The SQLCipher raw key (32 bytes, used as x'hex' so no KDF runs on open).</summary>
    public byte[] DatabaseKey() => Derive("database");

    /// <summary>The HMAC-SHA256 key that signs the gateway's JWTs.</summary>
    public byte[] JwtSigningKey() => Derive("jwt-signing");

    /// <summary>The key a component's log spool files are sealed with: one per component, never the database key.</summary>
    public byte[] LogSpoolKey(string component) => Components.IsKnown(component)
        ? Derive("log-spool/" + component)
        : throw new ArgumentException($"Unknown component '{component}'. Known: {string.Join(", ", Components.All)}.", nameof(component));

    /// <summary>The CURVE key pair of a component (the broker's is the one clients must know).</summary>
    public CurveKeyPair CurveKeyPair(string component)
    {
        if (!Components.IsKnown(component))
        {
            throw new ArgumentException($"Unknown component '{component}'. Known: {string.Join(", ", Components.All)}.", nameof(component));
        }

        return Security.CurveKeyPair.FromSecretKey(Derive("curve/" + component));
    }

    internal byte[] Derive(string label) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, salt: [], info: Encoding.ASCII.GetBytes(LabelPrefix + label));
}
