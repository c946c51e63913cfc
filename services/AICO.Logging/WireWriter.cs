using System.Buffers;
using System.Text;

namespace AICO.Logging;

/// <summary>Appends varints, raw bytes and length-prefixed UTF-8 strings; the log wire format's only primitives.</summary>
internal sealed class WireWriter(int initialCapacity)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Clear() => _buffer.ResetWrittenCount();

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    public void WriteVarLong(long value) =>
        // Zig-zag keeps small negative values (time going backwards between two records) short.
        WriteVarULong((ulong)((value << 1) ^ (value >> 63)));

    public void WriteVarUInt(uint value) => WriteVarULong(value);

    private void WriteVarULong(ulong v)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (v >= 0x80)
        {
            span[i++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[i++] = (byte)v;
        _buffer.Advance(i);
    }

    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = _buffer.GetSpan(max + 5);
        var count = Encoding.UTF8.GetBytes(value, span[5..]);
        // Length prefix: a varint in front of the bytes just written; move the bytes only when the prefix is short.
        var prefix = VarUIntLength((uint)count);
        WriteLengthPrefix(span, (uint)count);
        if (prefix != 5)
        {
            span.Slice(5, count).CopyTo(span[prefix..]);
        }

        _buffer.Advance(prefix + count);
    }

    public void WriteUtf8(ReadOnlySpan<byte> utf8)
    {
        WriteVarUInt((uint)utf8.Length);
        WriteBytes(utf8);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private static void WriteLengthPrefix(Span<byte> span, uint v)
    {
        var i = 0;
        while (v >= 0x80)
        {
            span[i++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[i] = (byte)v;
    }

    private static int VarUIntLength(uint v) => v < 1u << 7 ? 1 : v < 1u << 14 ? 2 : v < 1u << 21 ? 3 : v < 1u << 28 ? 4 : 5;
}
