namespace AICO.Security;

/// <summary>ZeroMQ's Z85 encoding (ZMQ RFC 32), the text form of CURVE keys: 32 bytes become 40 characters.</summary>
public static class Z85
{
    private const string Alphabet =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

    private static readonly sbyte[] Decoder = BuildDecoder();

    public static string Encode(ReadOnlySpan<byte> data)
    {
        if (data.Length % 4 != 0)
        {
            throw new ArgumentException("Z85 input length must be a multiple of 4.", nameof(data));
        }

        var chars = new char[data.Length / 4 * 5];
        var c = 0;
        for (var i = 0; i < data.Length; i += 4)
        {
            uint value = (uint)(data[i] << 24 | data[i + 1] << 16 | data[i + 2] << 8 | data[i + 3]);
            for (var k = 4; k >= 0; k--)
            {
                chars[c + k] = Alphabet[(int)(value % 85)];
                value /= 85;
            }

            c += 5;
        }

        return new string(chars);
    }

    public static byte[] Decode(string text)
    {
        if (!TryDecode(text, out var bytes))
        {
            throw new FormatException("Not a valid Z85 string (length must be a multiple of 5, characters from the Z85 alphabet).");
        }

        return bytes;
    }

    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length % 5 != 0)
        {
            return false;
        }

        var result = new byte[text.Length / 5 * 4];
        var b = 0;
        for (var i = 0; i < text.Length; i += 5)
        {
            ulong value = 0;
            for (var k = 0; k < 5; k++)
            {
                var ch = text[i + k];
                var digit = ch < 128 ? Decoder[ch] : (sbyte)-1;
                if (digit < 0)
                {
                    return false;
                }

                value = value * 85 + (ulong)digit;
            }

            if (value > uint.MaxValue)
            {
                return false;
            }

            result[b++] = (byte)(value >> 24);
            result[b++] = (byte)(value >> 16);
            result[b++] = (byte)(value >> 8);
            result[b++] = (byte)value;
        }

        bytes = result;
        return true;
    }

    private static sbyte[] BuildDecoder()
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            table[Alphabet[i]] = (sbyte)i;
        }

        return table;
    }
}
