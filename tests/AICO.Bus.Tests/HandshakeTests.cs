using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>
/// Both halves of the handshake driven against each other in memory, with no socket in between, so every message
/// can be tampered with, replayed or swapped for one made with the wrong keys.
/// </summary>
public class HandshakeTests
{
    private readonly BusTestKeys _keys = new();

    [Fact]
    public void A_client_and_the_broker_agree_on_session_keys_and_the_broker_learns_the_proven_component()
    {
        var run = Run(NewClient(Components.Gateway), NewBroker());

        Assert.True(run.Established, run.Describe());
        Assert.Equal(Components.Gateway, run.Broker!.Component);
        Assert.Equal(run.Client!.Keys!.ClientToBroker, run.Broker.Keys!.ClientToBroker);
        Assert.Equal(run.Client.Keys.BrokerToClient, run.Broker.Keys.BrokerToClient);
        Assert.NotEqual(run.Client.Keys.ClientToBroker, run.Client.Keys.BrokerToClient);
        AssertFrameCrossesTheSession(run.Client.Keys, run.Broker.Keys);
    }

    [Fact]
    public void Two_handshakes_of_the_same_client_never_share_session_keys()
    {
        var broker = NewKeyring();
        var first = Run(NewClient(Components.Gateway), broker);
        var second = Run(NewClient(Components.Gateway), broker);

        Assert.True(first.Established && second.Established);
        Assert.NotEqual(first.Broker!.Keys!.ClientToBroker, second.Broker!.Keys!.ClientToBroker);
    }

    [Fact]
    public void The_broker_s_own_client_proves_the_broker_key_pair()
    {
        var client = new ClientHandshake(Components.Broker, _keys.Broker, _keys.Broker.PublicKey.ToArray());

        var run = Run(client, NewBroker());

        Assert.True(run.Established, run.Describe());
        Assert.Equal(Components.Broker, run.Broker!.Component);
    }

    [Fact]
    public void A_client_with_an_unlisted_key_is_refused_and_learns_no_session()
    {
        var run = Run(new ClientHandshake(Components.Gateway, CurveKeyPair.Generate(), BrokerPublic), NewBroker());

        Assert.Equal(HandshakeStatus.Refused, run.Broker!.Status);
        Assert.Contains(run.Broker.Code, new[] { DenyCode.DenyUnlistedKey, DenyCode.DenyProofFailed });
        Assert.Contains("allow-list", run.Broker.Reason);
    }

    [Fact]
    public void A_component_name_that_is_not_on_the_allow_list_is_refused()
    {
        var run = Run(new ClientHandshake("evil", _keys.Clients[Components.Gateway], BrokerPublic), NewBroker());

        Assert.Equal(HandshakeStatus.Refused, run.Broker!.Status);
        Assert.Equal(DenyCode.DenyUnknownComponent, run.Broker.Code);
        Assert.Contains("component 'evil' is not on the broker's allow-list", run.Broker.Reason);
    }

    [Fact]
    public void A_listed_key_presented_for_another_component_is_refused()
    {
        var run = Run(new ClientHandshake(Components.Cli, _keys.Clients[Components.Gateway], BrokerPublic), NewBroker());

        Assert.Equal(HandshakeStatus.Refused, run.Broker!.Status);
        Assert.Equal(DenyCode.DenyUnlistedKey, run.Broker.Code);
        Assert.Contains("'cli'", run.Broker.Reason);
    }

    [Fact]
    public void A_client_that_holds_the_wrong_broker_public_key_never_completes_a_session()
    {
        var run = Run(new ClientHandshake(Components.Gateway, _keys.Clients[Components.Gateway], CurveKeyPair.Generate().PublicKey.ToArray()), NewBroker());

        Assert.False(run.Established, run.Describe());
    }

    [Fact]
    public void A_broker_without_the_broker_secret_key_can_neither_read_the_HELLO_nor_answer_it()
    {
        // An impostor broker: its own key pair and an allow-list that accepts the gateway.
        var impostor = new BrokerKeyring(CurveKeyPair.Generate(), _keys.AllowList);
        var client = NewClient(Components.Gateway);

        var atImpostor = new BrokerHandshake(impostor).Receive(client.Start());
        var forgedAccept = client.Receive([FrameKind.Accept, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(NoiseIK.Message2Overhead)]);

        Assert.Equal(HandshakeStatus.Refused, atImpostor.Status);
        Assert.Equal("", atImpostor.Component);
        Assert.Equal(HandshakeStatus.Refused, forgedAccept.Status);
        Assert.Contains("failed to prove it holds the broker's secret key", forgedAccept.Reason);
    }

    [Fact]
    public void Changing_any_byte_of_any_handshake_message_makes_the_handshake_fail()
    {
        var honest = Run(NewClient(Components.Gateway), NewBroker());
        Assert.True(honest.Established);
        var keyring = NewKeyring();

        for (var message = 0; message < honest.Messages.Count; message++)
        {
            for (var position = 0; position < honest.Messages[message].Length; position++)
            {
                var (m, p) = (message, position);
                var run = Run(NewClient(Components.Gateway), keyring, (index, bytes) =>
                {
                    if (index == m && p < bytes.Length)
                    {
                        bytes[p] ^= 0x01;
                    }
                });

                Assert.False(run.Established, $"flipping a bit of byte {p} of message {m} still gave a session: {run.Describe()}");
            }
        }
    }

    [Fact]
    public void Replaying_a_recorded_handshake_is_refused_and_never_yields_the_recorded_session()
    {
        var keyring = NewKeyring();
        var recorded = Run(NewClient(Components.Gateway), keyring);
        Assert.True(recorded.Established);

        var replay = Replay(recorded, keyring);

        Assert.Equal(HandshakeStatus.Refused, replay.Status);
        Assert.Equal(DenyCode.DenyReplayedProof, replay.Code);
        Assert.Contains("replayed", replay.Reason);
    }

    [Fact]
    public void Replaying_a_handshake_to_a_broker_that_has_forgotten_it_gives_the_attacker_no_session()
    {
        var recorded = Run(NewClient(Components.Gateway), NewKeyring());
        Assert.True(recorded.Established);

        var replay = Replay(recorded, NewKeyring());

        Assert.False(
            replay.Status == HandshakeStatus.Established && replay.Keys!.ClientToBroker.AsSpan().SequenceEqual(recorded.Broker!.Keys!.ClientToBroker),
            "the replay re-created the recorded session");
    }

    [Fact]
    public void A_HELLO_replayed_after_the_clock_window_is_refused_even_by_a_broker_that_never_saw_it()
    {
        var recorded = NewClient(Components.Gateway).Start();
        var later = new BrokerKeyring(_keys.Broker, _keys.AllowList, new ShiftedClock(BusHandshakeProtocol.ClockWindow + TimeSpan.FromMinutes(1)));

        var result = new BrokerHandshake(later).Receive(recorded);

        Assert.Equal(HandshakeStatus.Refused, result.Status);
        Assert.Equal(DenyCode.DenyReplayedProof, result.Code);
        Assert.Contains("off the broker's clock", result.Reason);
    }

    [Fact]
    public void The_HELLO_shows_neither_the_component_name_nor_the_client_s_public_key()
    {
        var hello = NewClient(Components.LogConsumer).Start();

        Assert.True(hello.AsSpan().IndexOf("logconsumer"u8) < 0, "the component name is readable in the HELLO");
        Assert.True(hello.AsSpan().IndexOf(_keys.Clients[Components.LogConsumer].PublicKey) < 0, "the client's public key is readable in the HELLO");
    }

    [Fact]
    public void A_broker_public_key_that_is_a_low_order_point_is_refused_before_anything_is_sent()
    {
        var client = new ClientHandshake(Components.Gateway, _keys.Clients[Components.Gateway], new byte[X25519.KeyLength]);

        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => client.Start());
    }

    public static TheoryData<string, byte[]> Garbage => new()
    {
        { "an empty frame", [] },
        { "a frame of unknown kind", [0x99, 1, 2, 3] },
        { "a first message with a broken body", [FrameKind.Hello, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "a first message cut short", [FrameKind.Hello, 0x08] },
        { "a sealed frame", [FrameKind.Sealed, .. new byte[40]] },
        { "a first message of zeros", [FrameKind.Hello, .. new byte[96]] },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_sent_to_the_broker_is_refused_with_a_reason_and_no_exception(string what, byte[] frame)
    {
        var result = NewBroker().Receive(frame);

        Assert.Equal(HandshakeStatus.Refused, result.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason), what);
        Assert.Null(result.Reply);
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_sent_to_the_client_is_refused_with_a_reason_and_no_exception(string what, byte[] frame)
    {
        var client = NewClient(Components.Gateway);
        client.Start();

        var result = client.Receive(frame);

        Assert.Equal(HandshakeStatus.Refused, result.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason), what);
        Assert.Null(result.Reply);
    }

    [Fact]
    public void A_client_handshake_accepts_one_answer_only()
    {
        var broker = NewBroker();
        var client = NewClient(Components.Gateway);
        var answer = broker.Receive(client.Start()).Reply!;
        Assert.Equal(HandshakeStatus.Established, client.Receive(answer).Status);

        Assert.Equal(HandshakeStatus.Refused, client.Receive(answer).Status);
    }

    private byte[] BrokerPublic => _keys.Broker.PublicKey.ToArray();

    private BrokerKeyring NewKeyring() => new(_keys.Broker, _keys.AllowList);

    private BrokerHandshake NewBroker() => new(NewKeyring());

    private ClientHandshake NewClient(string component) => new(component, _keys.Clients[component], BrokerPublic);

    private static HandshakeRun Run(ClientHandshake client, BrokerKeyring keyring, Action<int, byte[]>? tamper = null) =>
        Run(client, new BrokerHandshake(keyring), tamper);

    /// <summary>Shuttles messages between the two halves until one finishes without a reply or refuses.</summary>
    private static HandshakeRun Run(ClientHandshake client, BrokerHandshake broker, Action<int, byte[]>? tamper = null)
    {
        var run = new HandshakeRun();
        var toBroker = client.Start();
        while (true)
        {
            run.Broker = broker.Receive(run.Record(toBroker, tamper));
            if (run.Broker.Status == HandshakeStatus.Refused || run.Broker.Reply is null)
            {
                return run;
            }

            run.Client = client.Receive(run.Record(run.Broker.Reply, tamper));
            if (run.Client.Status == HandshakeStatus.Refused || run.Client.Reply is null)
            {
                return run;
            }

            toBroker = run.Client.Reply;
        }
    }

    /// <summary>What an attacker who recorded every client message can make of a broker: sends them again in order.</summary>
    private static HandshakeResult Replay(HandshakeRun recorded, BrokerKeyring keyring)
    {
        var broker = new BrokerHandshake(keyring);
        HandshakeResult result = HandshakeResult.Refused(DenyCode.DenyUnspecified, "nothing replayed");
        for (var i = 0; i < recorded.Messages.Count; i += 2)
        {
            result = broker.Receive(recorded.Messages[i]);
            if (result.Status != HandshakeStatus.Continue)
            {
                break;
            }
        }

        return result;
    }

    private static void AssertFrameCrossesTheSession(SessionKeys client, SessionKeys broker)
    {
        using var sealer = new FrameSealer(client.ClientToBroker);
        using var opener = new FrameOpener(broker.ClientToBroker);
        var plain = "hello broker"u8.ToArray();
        var frame = new byte[plain.Length + FrameSealer.Overhead];
        sealer.Seal(plain, frame);
        var opened = new byte[plain.Length];
        Assert.Equal(OpenResult.Ok, opener.TryOpen(frame, opened, out var length));
        Assert.Equal(plain, opened[..length]);
    }

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }

    private sealed class HandshakeRun
    {
        public List<byte[]> Messages { get; } = [];

        public HandshakeResult? Broker { get; set; }

        public HandshakeResult? Client { get; set; }

        public bool Established =>
            Broker is { Status: HandshakeStatus.Established } && Client is { Status: HandshakeStatus.Established }
            && Broker.Keys!.ClientToBroker.AsSpan().SequenceEqual(Client.Keys!.ClientToBroker)
            && Broker.Keys.BrokerToClient.AsSpan().SequenceEqual(Client.Keys.BrokerToClient);

        public byte[] Record(byte[] message, Action<int, byte[]>? tamper)
        {
            var copy = message.ToArray();
            tamper?.Invoke(Messages.Count, copy);
            Messages.Add(copy);
            return copy;
        }

        public string Describe() =>
            $"broker {Broker?.Status} {Broker?.Code} {Broker?.Reason}; client {Client?.Status} {Client?.Code} {Client?.Reason}";
    }
}
