using System.Text;

namespace AICO.Logging;

/// <summary>Reads what <see cref="WireWriter"/> wrote; any truncation or overlong field is a FormatException.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

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

    public string ReadString() => ReadUtf8(ReadVarUInt());

    public string? ReadNullableString()
    {
        var length = ReadVarUInt();
        return length == 0 ? null : ReadUtf8(length - 1);
    }

    public void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new FormatException($"log payload has {_data.Length - _position} unexpected trailing bytes");
        }
    }

    private string ReadUtf8(uint length)
    {
        if (length > _data.Length - _position)
        {
            throw new FormatException("log payload string runs past the end");
        }

        var text = Encoding.UTF8.GetString(_data.Slice(_position, (int)length));
        _position += (int)length;
        return text;
    }
}
