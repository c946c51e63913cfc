namespace AICO.Bus;

/// <summary>
/// Liveness of an authenticated session, client side: pings at the interval the broker announced in its WELCOME, and
/// the broker counted lost after <c>misses</c> intervals without a frame from it.
/// </summary>
internal sealed class ClientHeartbeat(int misses)
{
    private TimeSpan _interval = TimeSpan.FromSeconds(1);
    private DateTime _lastReceived;
    private DateTime _lastPing;

    /// <summary>How long without a frame before the broker is counted lost.</summary>
    public TimeSpan Deadline => _interval * misses;

    public void Welcomed(uint intervalMillis, DateTime now)
    {
        _interval = TimeSpan.FromMilliseconds(Math.Max(50, intervalMillis));
        _lastPing = _lastReceived = now;
    }

    public void Received(DateTime now) => _lastReceived = now;

    public bool IsLost(DateTime now) => now - _lastReceived > Deadline;

    /// <summary>True (once per interval) when a ping is due.</summary>
    public bool TakePing(DateTime now)
    {
        if (now - _lastPing < _interval)
        {
            return false;
        }

        _lastPing = now;
        return true;
    }
}
