using System.Buffers.Binary;

namespace AICO.Bus;

/// <summary>
/// Follows the ZMTP 3 frames the router sends after its greeting until the CURVE READY command: the end of the outer
/// handshake. Command names are plaintext in CURVE, so the gate knows when a connection stops being "in handshake".
/// </summary>
internal sealed class CurveReadyScanner
{
    private const byte LongFlag = 0x02;
    private const byte CommandFlag = 0x04;

    private readonly byte[] _header = new byte[9];
    private readonly byte[] _name = new byte[6];
    private int _headerHave;
    private int _nameHave;
    private long _remaining = -1;
    private bool _command;

    public bool SawReady { get; private set; }

    /// <summary>Feeds bytes in order; true once READY has been seen.</summary>
    public bool Scan(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !SawReady)
        {
            if (_remaining < 0)
            {
                _header[_headerHave++] = data[0];
                data = data[1..];
                var needed = (_header[0] & LongFlag) != 0 ? 9 : 2;
                if (_headerHave < needed)
                {
                    continue;
                }

                _remaining = needed == 9 ? BinaryPrimitives.ReadInt64BigEndian(_header.AsSpan(1)) : _header[1];
                _command = (_header[0] & CommandFlag) != 0;
                _headerHave = 0;
                _nameHave = 0;
                continue;
            }

            var take = (int)Math.Min(_remaining, data.Length);
            if (_command && _nameHave < _name.Length)
            {
                var copy = Math.Min(take, _name.Length - _nameHave);
                data[..copy].CopyTo(_name.AsSpan(_nameHave));
                _nameHave += copy;
                if (_nameHave == _name.Length && _name.AsSpan().SequenceEqual("\u0005READY"u8))
                {
                    SawReady = true;
                }
            }

            data = data[take..];
            _remaining -= take;
            if (_remaining == 0)
            {
                _remaining = -1;
            }
        }

        return SawReady;
    }
}
