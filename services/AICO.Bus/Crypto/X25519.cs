using System.Security.Cryptography;
using NSec.Cryptography;

namespace AICO.Bus;

/// <summary>X25519 from libsodium (NSec): key pairs from raw bytes or fresh, and key agreement that refuses low-order points.</summary>
internal static class X25519
{
    public const int KeyLength = 32;

    private static readonly KeyAgreementAlgorithm Algorithm = KeyAgreementAlgorithm.X25519;

    public static Key NewKey() => Key.Create(Algorithm);

    public static Key ImportSecret(ReadOnlySpan<byte> secret) => Key.Import(Algorithm, secret, KeyBlobFormat.RawPrivateKey);

    public static byte[] PublicBytes(Key key) => key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    /// <summary>
    /// DH(key, peer). False for a peer key that is not 32 bytes or whose result is all zeros (a low-order point an
    /// attacker chose so that the shared secret is known to everyone).
    /// </summary>
    public static bool TryAgree(Key key, ReadOnlySpan<byte> peerPublic, out SharedSecret sharedSecret)
    {
        sharedSecret = null!;
        if (peerPublic.Length != KeyLength || !PublicKey.TryImport(Algorithm, peerPublic, KeyBlobFormat.RawPublicKey, out var peer))
        {
            return false;
        }

        var agreed = Algorithm.Agree(key, peer!);
        if (agreed is null)
        {
            return false;
        }

        sharedSecret = agreed;
        return true;
    }

    public static SharedSecret Agree(Key key, ReadOnlySpan<byte> peerPublic) =>
        TryAgree(key, peerPublic, out var shared) ? shared : throw new CryptographicException("X25519 with this public key gives no usable shared secret (low-order point)");
}
