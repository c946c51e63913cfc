using AICO.Security;

namespace AICO.Bus.Tests;

public class MalformedInputTests
{
    public static TheoryData<string, byte[]> MalformedFrames => new()
    {
        { "empty frame", [] },
        { "unknown kind", [0x99, 1, 2, 3] },
        { "HELLO with a broken protobuf", [FrameKind.Hello, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "HELLO too short for a Noise IK message", [FrameKind.Hello, 0x08, 0x01, 0x12, 0x03, (byte)'c', (byte)'l', (byte)'i'] },
        { "HELLO of zeros (a low-order ephemeral key)", [FrameKind.Hello, .. new byte[NoiseIK.Message1Overhead + 8]] },
        { "an ACCEPT sent to the broker", [FrameKind.Accept, 0x0A, 0x01, 0x00] },
        { "a DENIED sent to the broker", [FrameKind.Denied] },
        { "a truncated sealed frame", [FrameKind.Sealed, 1, 2] },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task A_malformed_frame_gets_an_explicit_denial_and_the_broker_keeps_serving(string what, byte[] frame)
    {
        await using var bus = new BusFixture();
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);

        peer.SendFrame(frame);
        var denied = HandshakePeer.AsDenied(peer.Receive());

        Assert.False(string.IsNullOrWhiteSpace(denied.Reason), what);
        Assert.Equal(1, (await bus.Broker.GetStatusAsync()).DeniedTotal);
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
    }

    [Fact]
    public async Task An_authenticated_peer_sending_garbage_records_is_refused_without_harming_others()
    {
        await using var bus = new BusFixture();
        var watcher = await bus.AuthenticatedClientAsync(Components.Cli);
        using var peer = new HandshakePeer(bus.Endpoint, bus.Keys.Broker);
        peer.Authenticate(Components.Gateway, bus.Keys.Clients[Components.Gateway]);

        peer.SendSealedRecords([0x02, 0xFF, 0xFF, 0xFF, 0x7F, 0x00]);
        var denied = HandshakePeer.AsDenied(peer.Receive());

        Assert.Contains("malformed", denied.Reason);
        Assert.Equal(BusConnectionState.Authenticated, watcher.State);
        await AuthenticationTests.AssertGoodClientsWorkAsync(bus);
    }
}
