using System.Security.Cryptography;
using static AICO.Bus.Tests.PublishedNoiseVectors;

namespace AICO.Bus.Tests;

/// <summary>The bus's own Noise IK against the published vectors for exactly the suite it speaks.</summary>
public class NoiseVectorTests
{
    private const string Suite = "Noise_IK_25519_ChaChaPoly_SHA256";

    [Fact]
    public void Our_Noise_IK_reproduces_every_published_vector_of_its_suite_byte_for_byte()
    {
        var vectors = For(Suite);

        Assert.True(vectors.Count >= 2, $"expected the published {Suite} vectors, found {vectors.Count}");
        foreach (var vector in vectors)
        {
            var run = Reproduce(vector, Hex(vector, "prologue"));
            Assert.Equal(Hex(vector, "msg_0_ciphertext"), run.Message1);
            Assert.Equal(Hex(vector, "msg_0_payload"), run.Payload1);
            Assert.Equal(Hex(vector, "init_static"), run.InitiatorStaticSecret);
            Assert.Equal(Hex(vector, "msg_1_ciphertext"), run.Message2);
            Assert.Equal(Hex(vector, "msg_1_payload"), run.Payload2);
            Assert.Equal(Hex(vector, "msg_2_ciphertext"), run.Transport1);
            Assert.Equal(Hex(vector, "msg_3_ciphertext"), run.Transport2);
        }
    }

    [Fact]
    public void The_vectors_tell_a_handshake_with_another_prologue_apart()
    {
        var vector = For(Suite)[0];

        var run = Reproduce(vector, [.. Hex(vector, "prologue"), 0x21]);

        Assert.NotEqual(Hex(vector, "msg_0_ciphertext"), run.Message1);
        Assert.NotEqual(Hex(vector, "msg_1_ciphertext"), run.Message2);
    }

    private static VectorRun Reproduce(IReadOnlyDictionary<string, string> vector, byte[] prologue)
    {
        using var initiatorStatic = X25519.ImportSecret(Hex(vector, "init_static"));
        using var responderStatic = X25519.ImportSecret(Hex(vector, "resp_static"));
        using var initiatorEphemeral = X25519.ImportSecret(Hex(vector, "gen_init_ephemeral"));
        using var responderEphemeral = X25519.ImportSecret(Hex(vector, "gen_resp_ephemeral"));
        using var initiator = new NoiseIKInitiator(prologue, initiatorStatic, X25519.PublicBytes(responderStatic), initiatorEphemeral);
        using var responder = new NoiseIKResponder(prologue, responderStatic, responderEphemeral);

        var message1 = initiator.WriteMessage1(Hex(vector, "msg_0_payload"));
        Assert.True(responder.TryReadStatic(message1, out var initiatorStaticPublic), "the responder could not read the initiator's static key");
        Assert.Equal(X25519.PublicBytes(initiatorStatic), initiatorStaticPublic);
        Assert.True(responder.TryReadPayload(message1, null, out var payload1), "the responder could not read message 1's payload");
        var message2 = responder.WriteMessage2(Hex(vector, "msg_1_payload"));
        Assert.True(initiator.TryReadMessage2(message2, out var payload2), "the initiator could not read message 2");
        var initiatorKeys = initiator.Split();
        var responderKeys = responder.Split();
        Assert.Equal(initiatorKeys.InitiatorToResponder, responderKeys.InitiatorToResponder);
        Assert.Equal(initiatorKeys.ResponderToInitiator, responderKeys.ResponderToInitiator);
        Assert.Equal(initiator.HandshakeHash.ToArray(), responder.HandshakeHash.ToArray());

        return new VectorRun(
            message1,
            payload1,
            Hex(vector, "init_static"),
            message2,
            payload2,
            Transport(initiatorKeys.InitiatorToResponder, Hex(vector, "msg_2_payload")),
            Transport(initiatorKeys.ResponderToInitiator, Hex(vector, "msg_3_payload")));
    }

    /// <summary>The first Noise transport message under a Split() key: nonce 0, empty associated data.</summary>
    private static byte[] Transport(byte[] key, byte[] payload)
    {
        using var aead = new ChaCha20Poly1305(key);
        var output = new byte[payload.Length + 16];
        aead.Encrypt(new byte[12], payload, output.AsSpan(0, payload.Length), output.AsSpan(payload.Length), ReadOnlySpan<byte>.Empty);
        return output;
    }

    private sealed record VectorRun(byte[] Message1, byte[] Payload1, byte[] InitiatorStaticSecret, byte[] Message2, byte[] Payload2, byte[] Transport1, byte[] Transport2);
}
