namespace AICO.Bus;

/// <summary>When the client tries the broker again: the delay doubles after each failure up to a maximum, and an authenticated session resets it.</summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private TimeSpan _delay;
    private DateTime _retryAt = DateTime.MinValue;

    public ReconnectBackoff(TimeSpan min, TimeSpan max)
    {
        _min = _delay = min;
        _max = max;
    }

    public bool IsDue(DateTime now) => now >= _retryAt;

    public void Failed(DateTime now)
    {
        _retryAt = now + _delay;
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, _max.Ticks));
    }

    public void Reset() => _delay = _min;
}
