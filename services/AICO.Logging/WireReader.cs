using System.Text;

namespace AICO.Logging;

/// <summary>Reads what <see cref="WireWriter"/> wrote; any truncation or overlong field is a FormatException.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw new FormatException("log payload is truncated");
        }

        return _data[_position++];
    }

    public long ReadVarLong()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(result >> 1) ^ -(long)(result & 1);
            }
        }

        throw new FormatException("log payload has an overlong varint");
    }

    public uint ReadVarUInt()
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte();
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("log payload has an overlong varint");
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadUtf8());

    /// <summary>A length-prefixed UTF-8 field, without copying; malformed UTF-8 is a FormatException.</summary>
    public ReadOnlySpan<byte> ReadUtf8()
    {
        var bytes = ReadBytes(ReadVarUInt());
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new FormatException("log payload has a string that is not UTF-8");
        }

        return bytes;
    }

    public ReadOnlySpan<byte> ReadBytes(uint length)
    {
        if (length > _data.Length - _position)
        {
            throw new FormatException("log payload field runs past the end");
        }

        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new FormatException($"log payload has {_data.Length - _position} unexpected trailing bytes");
        }
    }
}
