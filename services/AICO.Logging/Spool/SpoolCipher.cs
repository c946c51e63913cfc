using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AICO.Logging.Spool;

/// <summary>
/// Seals spool frames with AES-256-GCM. Each segment file has a random salt from which its own key is derived
/// (HKDF-SHA256 over the producer's spool key), so the nonce can be the frame's index in the segment: never reused
/// under one key, and a frame moved to another place or file no longer opens. The frame header travels in the
/// clear but is authenticated.
/// </summary>
internal sealed class SpoolCipher : IDisposable
{
    public const int SaltLength = 16;
    public const int TagLength = 16;
    private const int NonceLength = 12;
    private static readonly byte[] SegmentInfo = Encoding.ASCII.GetBytes("aico/v1/log-spool/segment");

    private readonly AesGcm _aes;

    public SpoolCipher(ReadOnlySpan<byte> spoolKey, ReadOnlySpan<byte> salt)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, spoolKey, key, salt, SegmentInfo);
        _aes = new AesGcm(key, TagLength);
        CryptographicOperations.ZeroMemory(key);
    }

    public void Seal(long frameIndex, ReadOnlySpan<byte> header, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(frameIndex, nonce);
        _aes.Encrypt(nonce, plaintext, ciphertext, tag, header);
    }

    /// <exception cref="AuthenticationTagMismatchException">The frame was altered, moved or sealed with another key.</exception>
    public void Open(long frameIndex, ReadOnlySpan<byte> header, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(frameIndex, nonce);
        _aes.Decrypt(nonce, ciphertext, tag, plaintext, header);
    }

    public void Dispose() => _aes.Dispose();

    private static void Nonce(long frameIndex, Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], frameIndex);
    }
}
