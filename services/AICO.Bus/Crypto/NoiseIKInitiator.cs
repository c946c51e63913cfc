using NSec.Cryptography;

namespace AICO.Bus;

/// <summary>The initiator (client) of Noise_IK_25519_ChaChaPoly_SHA256: it knows the responder's static key in advance.</summary>
internal sealed class NoiseIKInitiator : IDisposable
{
    private readonly NoiseSymmetricState _state = new(NoiseIK.ProtocolName);
    private readonly Key _static;
    private readonly byte[] _staticPublic;
    private readonly byte[] _responderStatic;
    private readonly Key _ephemeral;

    /// <param name="ephemeral">A fixed ephemeral key for test vectors only; a fresh one otherwise.</param>
    public NoiseIKInitiator(ReadOnlySpan<byte> prologue, Key staticKey, ReadOnlySpan<byte> responderStatic, Key? ephemeral = null)
    {
        _static = staticKey;
        _staticPublic = X25519.PublicBytes(staticKey);
        _responderStatic = responderStatic.ToArray();
        _ephemeral = ephemeral ?? X25519.NewKey();
        _state.MixHash(prologue);
        _state.MixHash(_responderStatic);
    }

    public ReadOnlySpan<byte> HandshakeHash => _state.HandshakeHash;

    /// <summary>-&gt; e, es, s, ss, payload. Throws when the responder's static key is a low-order point.</summary>
    public byte[] WriteMessage1(ReadOnlySpan<byte> payload)
    {
        var message = new byte[NoiseIK.Message1Overhead + payload.Length];
        var ephemeralPublic = X25519.PublicBytes(_ephemeral);
        ephemeralPublic.CopyTo(message, 0);
        _state.MixHash(ephemeralPublic);
        using (var es = X25519.Agree(_ephemeral, _responderStatic))
        {
            _state.MixKey(es);
        }

        var offset = X25519.KeyLength;
        offset += _state.EncryptAndHash(_staticPublic, message.AsSpan(offset));
        using (var ss = X25519.Agree(_static, _responderStatic))
        {
            _state.MixKey(ss);
        }

        _state.EncryptAndHash(payload, message.AsSpan(offset));
        return message;
    }

    /// <summary>&lt;- e, ee, se, payload. False when the message was not made by the holder of the responder's static key for this message 1.</summary>
    public bool TryReadMessage2(ReadOnlySpan<byte> message, out byte[] payload)
    {
        payload = [];
        if (message.Length < NoiseIK.Message2Overhead)
        {
            return false;
        }

        var responderEphemeral = message[..X25519.KeyLength];
        _state.MixHash(responderEphemeral);
        if (!X25519.TryAgree(_ephemeral, responderEphemeral, out var ee))
        {
            return false;
        }

        using (ee)
        {
            _state.MixKey(ee);
        }

        if (!X25519.TryAgree(_static, responderEphemeral, out var se))
        {
            return false;
        }

        using (se)
        {
            _state.MixKey(se);
        }

        return _state.TryDecryptAndHash(message[X25519.KeyLength..], out payload);
    }

    public (byte[] InitiatorToResponder, byte[] ResponderToInitiator) Split() => _state.Split();

    public void Dispose()
    {
        _ephemeral.Dispose();
        _state.Dispose();
    }
}
