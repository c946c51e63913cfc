namespace AICO.LogStore;

/// <summary>
/// Unix microseconds as the logs table's text timestamp (<see cref="LogTimestamps"/>: yyyy-MM-ddTHH:mm:ss.ffffffZ) in
/// UTF-8, without DateTime formatting per row: the date and time of the last second are kept and only the fraction
/// is written.
/// </summary>
internal sealed class TimestampText
{
    public const int Length = 27;
    private readonly byte[] _second = new byte[20];
    private long _secondValue = long.MinValue;

    public void Write(long unixMicros, Span<byte> into)
    {
        var second = Math.DivRem(unixMicros, 1_000_000, out var fraction);
        if (fraction < 0)
        {
            second--;
            fraction += 1_000_000;
        }

        if (second != _secondValue)
        {
            var text = DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'.'", System.Globalization.CultureInfo.InvariantCulture);
            System.Text.Encoding.ASCII.GetBytes(text, _second);
            _secondValue = second;
        }

        _second.CopyTo(into);
        for (var i = 25; i >= 20; i--)
        {
            into[i] = (byte)('0' + fraction % 10);
            fraction /= 10;
        }

        into[26] = (byte)'Z';
    }
}
