using NSec.Cryptography;

namespace AICO.Security;

/// <summary>A Curve25519 key pair as CurveZMQ uses it. The public key is always computed from the secret one.</summary>
public sealed class CurveKeyPair
{
    public const int KeyLength = 32;

    private readonly byte[] _secretKey;
    private readonly byte[] _publicKey;

    private CurveKeyPair(byte[] secretKey)
    {
        _secretKey = secretKey;
        _publicKey = PublicKeyOf(secretKey);
    }

    public ReadOnlySpan<byte> PublicKey => _publicKey;
    public ReadOnlySpan<byte> SecretKey => _secretKey;
    public string PublicKeyZ85 => Z85.Encode(_publicKey);
    public string SecretKeyZ85 => Z85.Encode(_secretKey);

    public static CurveKeyPair FromSecretKey(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length != KeyLength)
        {
            throw new ArgumentException($"A CURVE secret key is {KeyLength} bytes, got {secretKey.Length}.", nameof(secretKey));
        }

        return new CurveKeyPair(secretKey.ToArray());
    }

    public static CurveKeyPair FromSecretKeyZ85(string secretKeyZ85)
    {
        if (!Z85.TryDecode(secretKeyZ85, out var bytes) || bytes.Length != KeyLength)
        {
            throw new FormatException("A CURVE secret key must be 40 characters of Z85.");
        }

        return new CurveKeyPair(bytes);
    }

    public static CurveKeyPair Generate()
    {
        var secret = new byte[KeyLength];
        System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        return new CurveKeyPair(secret);
    }

    /// <summary>X25519 base-point multiplication by libsodium (through NSec): the public half of a CurveZMQ key.</summary>
    private static byte[] PublicKeyOf(byte[] secretKey)
    {
        using var key = Key.Import(KeyAgreementAlgorithm.X25519, secretKey, KeyBlobFormat.RawPrivateKey);
        return key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public override string ToString() => $"CurveKeyPair(public {PublicKeyZ85})";
}
