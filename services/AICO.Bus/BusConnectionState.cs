namespace AICO.Bus;

public enum BusConnectionState
{
    Connecting,
    Authenticated,
    Denied,
    Unreachable,
    Disposed,
}
