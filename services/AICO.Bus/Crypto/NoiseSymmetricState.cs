using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;
using IncrementalHash = System.Security.Cryptography.IncrementalHash;

namespace AICO.Bus;

/// <summary>
/// The SymmetricState of the Noise Protocol Framework (revision 34, section 5.2) for 25519/ChaChaPoly/SHA256:
/// the chaining key, the handshake hash and the current cipher key with its nonce.
/// </summary>
internal sealed class NoiseSymmetricState : IDisposable
{
    public const int HashLength = 32;
    public const int TagLength = 16;

    private readonly byte[] _ck = new byte[HashLength];
    private readonly byte[] _h = new byte[HashLength];
    private readonly byte[] _nonce = new byte[12];
    private ChaCha20Poly1305? _cipher;
    private ulong _n;

    public NoiseSymmetricState(ReadOnlySpan<byte> protocolName)
    {
        if (protocolName.Length <= HashLength)
        {
            protocolName.CopyTo(_h);
        }
        else
        {
            SHA256.HashData(protocolName, _h);
        }

        _h.CopyTo(_ck, 0);
    }

    public ReadOnlySpan<byte> HandshakeHash => _h;

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_h);
        hash.AppendData(data);
        hash.GetHashAndReset(_h);
    }

    public void MixKey(SharedSecret dh)
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(dh, _ck, ReadOnlySpan<byte>.Empty, output);
        output[..HashLength].CopyTo(_ck);
        _cipher?.Dispose();
        _cipher = new ChaCha20Poly1305(output[HashLength..]);
        _n = 0;
        CryptographicOperations.ZeroMemory(output);
    }

    /// <summary>Writes the ciphertext (plaintext + 16-byte tag once a key is mixed in) to <paramref name="output"/>; returns its length.</summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        if (_cipher is null)
        {
            plaintext.CopyTo(output);
            MixHash(plaintext);
            return plaintext.Length;
        }

        var ciphertext = output[..(plaintext.Length + TagLength)];
        _cipher.Encrypt(NextNonce(), plaintext, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], _h);
        MixHash(ciphertext);
        return ciphertext.Length;
    }

    /// <summary>False when the tag does not verify (wrong key, altered message): the state is then unusable.</summary>
    public bool TryDecryptAndHash(ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        if (_cipher is null)
        {
            plaintext = ciphertext.ToArray();
            MixHash(ciphertext);
            return true;
        }

        plaintext = [];
        if (ciphertext.Length < TagLength)
        {
            return false;
        }

        var result = new byte[ciphertext.Length - TagLength];
        try
        {
            _cipher.Decrypt(NextNonce(), ciphertext[..result.Length], ciphertext[result.Length..], result, _h);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        MixHash(ciphertext);
        plaintext = result;
        return true;
    }

    /// <summary>The two transport keys: initiator to responder, then responder to initiator.</summary>
    public (byte[] InitiatorToResponder, byte[] ResponderToInitiator) Split()
    {
        // HKDF(ck, zero-length input) as the specification writes it (section 4.3); libsodium's HKDF refuses an empty input.
        byte[] one = [0x01];
        var temp = HMACSHA256.HashData(_ck, Array.Empty<byte>());
        var first = HMACSHA256.HashData(temp, one);
        byte[] firstThenTwo = [.. first, 0x02];
        var second = HMACSHA256.HashData(temp, firstThenTwo);
        CryptographicOperations.ZeroMemory(temp);
        return (first, second);
    }

    public void Dispose()
    {
        _cipher?.Dispose();
        CryptographicOperations.ZeroMemory(_ck);
    }

    private byte[] NextNonce()
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), _n++);
        return _nonce;
    }
}
