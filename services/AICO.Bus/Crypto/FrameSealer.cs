using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AICO.Bus;

/// <summary>
/// Seals the frames of one direction of a session: ChaCha20-Poly1305 with a 64-bit counter nonce that never repeats
/// under this key. One instance per direction, reused for every frame (no per-frame key schedule).
/// Layout: [kind 0x10][counter u64 LE][ciphertext][tag 16]; kind and counter are the associated data.
/// </summary>
internal sealed class FrameSealer(byte[] key) : IDisposable
{
    public const int HeaderLength = 9;
    public const int TagLength = 16;
    public const int Overhead = HeaderLength + TagLength;

    private readonly ChaCha20Poly1305 _aead = new(key);
    private readonly byte[] _nonce = new byte[12];
    private ulong _counter;

    /// <summary>Writes the sealed frame into <paramref name="output"/> (at least plaintext + <see cref="Overhead"/>) and returns its length.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        var counter = _counter++;
        output[0] = FrameKind.Sealed;
        BinaryPrimitives.WriteUInt64LittleEndian(output[1..HeaderLength], counter);
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), counter);
        var cipher = output.Slice(HeaderLength, plaintext.Length);
        var tag = output.Slice(HeaderLength + plaintext.Length, TagLength);
        _aead.Encrypt(_nonce, plaintext, cipher, tag, output[..HeaderLength]);
        return plaintext.Length + Overhead;
    }

    public void Dispose() => _aead.Dispose();
}
