using System.Security.Cryptography;
using System.Text;
using NaCl;

namespace AICO.Bus;

/// <summary>
/// The primitives of the inner handshake (docs/bus-protocol.md): X25519 from NaCl.Net, SHA-256 transcript hashes,
/// HKDF-SHA256 key derivation and ChaCha20-Poly1305 tags used as MACs over the transcript.
/// </summary>
internal static class HandshakeCrypto
{
    public const int KeyLength = 32;
    public const int TagLength = 16;
    public const int NonceLength = 32;
    public const uint ProtocolVersion = 1;

    public static readonly byte[] Prologue = Encoding.ASCII.GetBytes("AICO-BUS/1");
    private static readonly byte[] BrokerProofInfo = Encoding.ASCII.GetBytes("aico-bus/1 broker-proof");
    private static readonly byte[] ClientProofInfo = Encoding.ASCII.GetBytes("aico-bus/1 client-proof");
    private static readonly byte[] ClientToBrokerInfo = Encoding.ASCII.GetBytes("aico-bus/1 c2s");
    private static readonly byte[] BrokerToClientInfo = Encoding.ASCII.GetBytes("aico-bus/1 s2c");
    private static readonly byte[] ZeroNonce = new byte[12];

    public static (byte[] Secret, byte[] Public) NewEphemeral()
    {
        var secret = RandomNumberGenerator.GetBytes(KeyLength);
        return (secret, Curve25519.ScalarMultiplicationBase(secret));
    }

    /// <summary>X25519; an all-zero result (a low-order point sent by an attacker) is refused.</summary>
    public static byte[] Dh(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> peerPublic)
    {
        if (peerPublic.Length != KeyLength)
        {
            throw new CryptographicException("an X25519 public key is 32 bytes");
        }

        var shared = Curve25519.ScalarMultiplication(secret.ToArray(), peerPublic.ToArray());
        if (CryptographicOperations.FixedTimeEquals(shared, new byte[KeyLength]))
        {
            throw new CryptographicException("X25519 produced the all-zero shared secret (low-order public key)");
        }

        return shared;
    }

    public static byte[] Hash(params byte[][] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Transcript after the broker's challenge: binds the hello and the challenge values.</summary>
    public static byte[] ChallengeTranscript(byte[] helloBytes, byte[] brokerEphemeral, byte[] nonce) =>
        Hash(Prologue, helloBytes, brokerEphemeral, nonce);

    public static byte[] BrokerProofKey(byte[] ee, byte[] es, byte[] transcript) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Concat(ee, es), KeyLength, transcript, BrokerProofInfo);

    public static byte[] AuthTranscript(byte[] challengeTranscript, byte[] brokerProof, byte[] clientStatic) =>
        Hash(challengeTranscript, brokerProof, clientStatic);

    public static byte[] ClientProofKey(byte[] ee, byte[] es, byte[] se, byte[] ss, byte[] authTranscript) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Concat(ee, es, se, ss), KeyLength, authTranscript, ClientProofInfo);

    public static (byte[] ClientToBroker, byte[] BrokerToClient) SessionKeys(byte[] ee, byte[] es, byte[] se, byte[] ss, byte[] authTranscript, byte[] clientProof)
    {
        var ikm = Concat(ee, es, se, ss);
        var salt = Hash(authTranscript, clientProof);
        return (
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, KeyLength, salt, ClientToBrokerInfo),
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, KeyLength, salt, BrokerToClientInfo));
    }

    /// <summary>A MAC: the ChaCha20-Poly1305 tag of an empty plaintext with the transcript as associated data.</summary>
    public static byte[] Tag(byte[] key, byte[] transcript)
    {
        using var aead = new ChaCha20Poly1305(key);
        var tag = new byte[TagLength];
        aead.Encrypt(ZeroNonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, transcript);
        return tag;
    }

    public static bool VerifyTag(byte[] key, byte[] transcript, ReadOnlySpan<byte> tag)
    {
        if (tag.Length != TagLength)
        {
            return false;
        }

        using var aead = new ChaCha20Poly1305(key);
        try
        {
            aead.Decrypt(ZeroNonce, ReadOnlySpan<byte>.Empty, tag, Span<byte>.Empty, transcript);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }
}
