namespace AICO.Bus;

/// <summary>The first byte of every bus frame. HELLO and ACCEPT carry the two Noise IK messages; sealed frames carry records.</summary>
internal static class FrameKind
{
    public const byte Hello = 0x01;
    public const byte Accept = 0x02;
    public const byte Denied = 0x04;
    public const byte Sealed = 0x10;
}
