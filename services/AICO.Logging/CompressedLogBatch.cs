using System.Buffers;
using K4os.Compression.LZ4;

namespace AICO.Logging;

/// <summary>
/// The compressed form of a log batch on the bus (wire version 3): version byte 3, the length of the version-2
/// payload as a varint, then that payload as one LZ4 block. Producers send it when it is smaller; the consumer unpacks
/// it on its receive path, so the writer and the spool's older version-2 payloads read the same format. Every bus hop
/// (CURVE and the sealed sessions on producer, broker and consumer) then carries about a quarter of the bytes.
/// </summary>
public static class CompressedLogBatch
{
    public const byte Version = 3;

    /// <summary>Largest version-2 payload a compressed batch may unpack to (16x the bus's default message limit).</summary>
    public const int MaxUnpackedBytes = 16 * 1024 * 1024;

    // LZ4 cannot expand a block more than ~255 times: a larger claim is a lie, refused before anything is allocated.
    private const int MaxRatio = 255;

    /// <summary>
    /// The compressed form of a version-2 <paramref name="payload"/> written into <paramref name="scratch"/> (grown as
    /// needed and reused), or empty when compressing would not make it smaller.
    /// </summary>
    internal static ReadOnlySpan<byte> TryPack(ReadOnlySpan<byte> payload, ref byte[] scratch)
    {
        if (payload.Length > MaxUnpackedBytes)
        {
            return default;
        }

        var needed = 1 + 5 + LZ4Codec.MaximumOutputSize(payload.Length);
        if (scratch.Length < needed)
        {
            scratch = new byte[needed];
        }

        scratch[0] = Version;
        var header = 1;
        for (var v = (uint)payload.Length; ; v >>= 7)
        {
            if (v < 0x80)
            {
                scratch[header++] = (byte)v;
                break;
            }

            scratch[header++] = (byte)(v | 0x80);
        }

        var written = LZ4Codec.Encode(payload, scratch.AsSpan(header), LZ4Level.L00_FAST);
        return written > 0 && header + written < payload.Length ? scratch.AsSpan(0, header + written) : default;
    }

    /// <summary>The version-2 payload inside a compressed one.</summary>
    /// <exception cref="FormatException">The declared length is out of bounds, the block is corrupt or unpacks to another length, or it holds no version-2 batch.</exception>
    internal static byte[] Unpack(ReadOnlySpan<byte> payload)
    {
        var length = UnpackedLength(payload, out var block);
        var unpacked = new byte[length];
        UnpackInto(block, unpacked);
        return unpacked;
    }

    /// <summary>
    /// As <see cref="Unpack"/>, into an array rented from the shared pool (longer than the payload: its first
    /// <c>Length</c> bytes). The caller returns it to <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    /// <inheritdoc cref="Unpack" path="/exception"/>
    internal static (byte[] Array, int Length) UnpackPooled(ReadOnlySpan<byte> payload)
    {
        var length = UnpackedLength(payload, out var block);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            UnpackInto(block, rented.AsSpan(0, length));
            return (rented, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    private static int UnpackedLength(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> block)
    {
        var reader = new WireReader(payload);
        if (reader.ReadByte() != Version)
        {
            throw new FormatException("not a compressed log batch");
        }

        var length = reader.ReadVarUInt();
        block = payload[reader.Position..];
        if (length == 0 || length > MaxUnpackedBytes || length > (long)block.Length * MaxRatio)
        {
            throw new FormatException($"compressed log batch declares {length} bytes from a {block.Length}-byte block (at most {MaxUnpackedBytes} bytes, {MaxRatio} per block byte)");
        }

        return (int)length;
    }

    /// <summary>Unpacks <paramref name="block"/> into exactly <paramref name="unpacked"/> and checks what it holds.</summary>
    private static void UnpackInto(ReadOnlySpan<byte> block, Span<byte> unpacked)
    {
        var decoded = LZ4Codec.Decode(block, unpacked);
        if (decoded != unpacked.Length)
        {
            throw new FormatException(decoded < 0
                ? "compressed log batch is corrupt (the LZ4 block does not decode)"
                : $"compressed log batch unpacks to {decoded} bytes, not the {unpacked.Length} it declares");
        }

        if (unpacked[0] != LogBatchCodec.Version)
        {
            throw new FormatException($"compressed log batch holds version {unpacked[0]}, expected {LogBatchCodec.Version}");
        }
    }
}
