namespace AICO.Bus;

/// <summary>The first byte of every bus frame. Handshake frames carry a protobuf body; sealed frames carry records.</summary>
internal static class FrameKind
{
    public const byte Hello = 0x01;
    public const byte Challenge = 0x02;
    public const byte Auth = 0x03;
    public const byte Denied = 0x04;
    public const byte Sealed = 0x10;
}
