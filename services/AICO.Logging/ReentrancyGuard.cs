namespace AICO.Logging;

/// <summary>
/// Set while this thread is inside the bus logger. Code that the logger reaches (formatters, ToString of state,
/// the bus client) and that logs again is ignored instead of recursing until the stack overflows.
/// </summary>
internal static class ReentrancyGuard
{
    [ThreadStatic]
    private static bool _active;

    public static bool Active => _active;

    public static bool TryEnter()
    {
        if (_active)
        {
            return false;
        }

        _active = true;
        return true;
    }

    public static void Exit() => _active = false;
}
