namespace AICO.Bus;

/// <summary>
/// Flow control, client side: the sealed bytes read from the broker this session, and when to report them (the broker
/// keeps sending to a connection only while what it sent minus what was reported stays under its byte budget).
/// </summary>
internal sealed class ConsumedBytes
{
    /// <summary>Read bytes are reported at least this often (and with every heartbeat).</summary>
    public const long ReportEvery = 256 * 1024;

    private long _consumed;
    private long _reported;

    public void Read(int bytes) => _consumed += bytes;

    public void Reset() => _consumed = _reported = 0;

    /// <summary>The total to report when at least <paramref name="threshold"/> new bytes were read since the last report.</summary>
    public bool TryTakeReport(long threshold, out ulong total)
    {
        total = (ulong)_consumed;
        if (_consumed - _reported >= threshold && _consumed > _reported)
        {
            _reported = _consumed;
            return true;
        }

        return false;
    }
}
