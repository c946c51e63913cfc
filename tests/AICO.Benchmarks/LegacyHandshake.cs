using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NaCl;

namespace AICO.Benchmarks;

/// <summary>
/// The bus handshake as it was before issue 8 (protocol v1: HELLO, CHALLENGE, AUTH; X25519 from the managed NaCl.Net),
/// kept here only as the baseline of the handshake benchmark: the same key agreements, hashes and tags per side.
/// </summary>
internal static class LegacyHandshake
{
    private static readonly byte[] Prologue = Encoding.ASCII.GetBytes("AICO-BUS/1");
    private static readonly byte[] ZeroNonce = new byte[12];

    public sealed record Client(byte[] EphemeralSecret, byte[] Hello);

    public sealed record Pending(byte[] EphemeralSecret, byte[] Ee, byte[] Es, byte[] Transcript, byte[] Proof, byte[] BrokerEphemeral, byte[] Nonce);

    public static Client Hello(string component)
    {
        var (secret, pub) = NewEphemeral();
        return new Client(secret, [.. Encoding.UTF8.GetBytes(component), .. pub]);
    }

    /// <summary>The broker's work on a HELLO with a listed component name: what any keyless peer could make it do in v1.</summary>
    public static Pending OnHello(byte[] brokerSecret, byte[] hello)
    {
        var clientEphemeral = hello[^32..];
        var (secret, pub) = NewEphemeral();
        var nonce = RandomNumberGenerator.GetBytes(32);
        var ee = Dh(secret, clientEphemeral);
        var es = Dh(brokerSecret, clientEphemeral);
        var transcript = Hash(Prologue, hello, pub, nonce);
        var proof = Tag(HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. ee, .. es], 32, transcript, "broker-proof"u8.ToArray()), transcript);
        return new Pending(secret, ee, es, transcript, proof, pub, nonce);
    }

    /// <summary>The client's answer to CHALLENGE: verify the broker, prove itself, derive the session keys.</summary>
    public static (byte[] ClientStatic, byte[] Proof, byte[] C2S) OnChallenge(Client client, byte[] clientSecret, byte[] clientPublic, byte[] brokerPublic, Pending challenge)
    {
        var ee = Dh(client.EphemeralSecret, challenge.BrokerEphemeral);
        var es = Dh(client.EphemeralSecret, brokerPublic);
        var transcript = Hash(Prologue, client.Hello, challenge.BrokerEphemeral, challenge.Nonce);
        var brokerKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. ee, .. es], 32, transcript, "broker-proof"u8.ToArray());
        if (!Tag(brokerKey, transcript).AsSpan().SequenceEqual(challenge.Proof))
        {
            throw new CryptographicException("broker proof");
        }

        var se = Dh(clientSecret, challenge.BrokerEphemeral);
        var ss = Dh(clientSecret, brokerPublic);
        var auth = Hash(transcript, challenge.Proof, clientPublic);
        var proof = Tag(HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. ee, .. es, .. se, .. ss], 32, auth, "client-proof"u8.ToArray()), auth);
        return (clientPublic, proof, HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. ee, .. es, .. se, .. ss], 32, Hash(auth, proof), "c2s"u8.ToArray()));
    }

    /// <summary>The broker's work on AUTH: two more key agreements, verify the proof, derive the session keys.</summary>
    public static byte[] OnAuth(byte[] brokerSecret, Pending pending, byte[] clientStatic, byte[] clientProof)
    {
        var se = Dh(pending.EphemeralSecret, clientStatic);
        var ss = Dh(brokerSecret, clientStatic);
        var auth = Hash(pending.Transcript, pending.Proof, clientStatic);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. pending.Ee, .. pending.Es, .. se, .. ss], 32, auth, "client-proof"u8.ToArray());
        if (!Tag(key, auth).AsSpan().SequenceEqual(clientProof))
        {
            throw new CryptographicException("client proof");
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. pending.Ee, .. pending.Es, .. se, .. ss], 32, Hash(auth, clientProof), "c2s"u8.ToArray());
    }

    public static byte[] PublicOf(byte[] secret) => Curve25519.ScalarMultiplicationBase(secret);

    public static byte[] Dh(byte[] secret, byte[] peer) => Curve25519.ScalarMultiplication(secret, peer);

    private static (byte[] Secret, byte[] Public) NewEphemeral()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        return (secret, Curve25519.ScalarMultiplicationBase(secret));
    }

    private static byte[] Hash(params byte[][] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    private static byte[] Tag(byte[] key, byte[] transcript)
    {
        using var aead = new ChaCha20Poly1305(key);
        var tag = new byte[16];
        aead.Encrypt(ZeroNonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, transcript);
        return tag;
    }
}
