using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AICO.Bus;

internal enum OpenResult
{
    Ok,
    Malformed,
    Forged,
    Replayed,
}

/// <summary>
/// Opens the sealed frames of one direction. Counters must strictly increase (the transport is ordered), so a
/// replayed or reordered frame is refused; a frame whose tag does not verify (injected, altered, wrong key) too.
/// </summary>
internal sealed class FrameOpener(byte[] key) : IDisposable
{
    private readonly ChaCha20Poly1305 _aead = new(key);
    private readonly byte[] _nonce = new byte[12];
    private ulong _next;

    public OpenResult TryOpen(ReadOnlySpan<byte> frame, Span<byte> plaintext, out int length)
    {
        length = 0;
        if (frame.Length < FrameSealer.Overhead || frame[0] != FrameKind.Sealed)
        {
            return OpenResult.Malformed;
        }

        var counter = BinaryPrimitives.ReadUInt64LittleEndian(frame[1..FrameSealer.HeaderLength]);
        if (counter < _next)
        {
            return OpenResult.Replayed;
        }

        length = frame.Length - FrameSealer.Overhead;
        if (plaintext.Length < length)
        {
            return OpenResult.Malformed;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), counter);
        try
        {
            _aead.Decrypt(
                _nonce,
                frame.Slice(FrameSealer.HeaderLength, length),
                frame.Slice(FrameSealer.HeaderLength + length, FrameSealer.TagLength),
                plaintext[..length],
                frame[..FrameSealer.HeaderLength]);
        }
        catch (AuthenticationTagMismatchException)
        {
            length = 0;
            return OpenResult.Forged;
        }

        _next = counter + 1;
        return OpenResult.Ok;
    }

    public void Dispose() => _aead.Dispose();
}
