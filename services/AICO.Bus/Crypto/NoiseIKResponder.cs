using NSec.Cryptography;

namespace AICO.Bus;

/// <summary>
/// The responder (broker) of Noise_IK_25519_ChaChaPoly_SHA256. Message 1 is read in two steps so that the caller can
/// check the initiator's static key against its allow-list (and supply the precomputed ss) before going on.
/// </summary>
internal sealed class NoiseIKResponder : IDisposable
{
    private readonly NoiseSymmetricState _state = new(NoiseIK.ProtocolName);
    private readonly Key _static;
    private readonly Key? _fixedEphemeral;
    private byte[] _initiatorEphemeral = [];
    private byte[] _initiatorStatic = [];

    /// <param name="ephemeral">A fixed ephemeral key for test vectors only; a fresh one otherwise.</param>
    public NoiseIKResponder(ReadOnlySpan<byte> prologue, Key staticKey, Key? ephemeral = null)
    {
        _static = staticKey;
        _fixedEphemeral = ephemeral;
        _state.MixHash(prologue);
        _state.MixHash(X25519.PublicBytes(staticKey));
    }

    public ReadOnlySpan<byte> HandshakeHash => _state.HandshakeHash;

    /// <summary>e, es, s of message 1: one key agreement. False when s does not decrypt (made for another key, or altered).</summary>
    public bool TryReadStatic(ReadOnlySpan<byte> message, out byte[] initiatorStatic)
    {
        initiatorStatic = [];
        if (message.Length < NoiseIK.Message1Overhead)
        {
            return false;
        }

        _initiatorEphemeral = message[..X25519.KeyLength].ToArray();
        _state.MixHash(_initiatorEphemeral);
        if (!X25519.TryAgree(_static, _initiatorEphemeral, out var es))
        {
            return false;
        }

        using (es)
        {
            _state.MixKey(es);
        }

        if (!_state.TryDecryptAndHash(message.Slice(X25519.KeyLength, X25519.KeyLength + NoiseSymmetricState.TagLength), out initiatorStatic))
        {
            return false;
        }

        _initiatorStatic = initiatorStatic;
        return true;
    }

    /// <summary>
    /// ss and the payload of message 1. <paramref name="ss"/> is DH(s, rs), which a broker computes once per listed key;
    /// null computes it here. False when the payload does not decrypt: the initiator does not hold its static secret.
    /// </summary>
    public bool TryReadPayload(ReadOnlySpan<byte> message, SharedSecret? ss, out byte[] payload)
    {
        payload = [];
        if (ss is null)
        {
            if (!X25519.TryAgree(_static, _initiatorStatic, out var computed))
            {
                return false;
            }

            using (computed)
            {
                _state.MixKey(computed);
            }
        }
        else
        {
            _state.MixKey(ss);
        }

        return _state.TryDecryptAndHash(message[(2 * X25519.KeyLength + NoiseSymmetricState.TagLength)..], out payload);
    }

    /// <summary>&lt;- e, ee, se, payload.</summary>
    public byte[] WriteMessage2(ReadOnlySpan<byte> payload)
    {
        using var generated = _fixedEphemeral is null ? X25519.NewKey() : null;
        var ephemeral = _fixedEphemeral ?? generated!;
        var message = new byte[NoiseIK.Message2Overhead + payload.Length];
        var ephemeralPublic = X25519.PublicBytes(ephemeral);
        ephemeralPublic.CopyTo(message, 0);
        _state.MixHash(ephemeralPublic);
        using (var ee = X25519.Agree(ephemeral, _initiatorEphemeral))
        {
            _state.MixKey(ee);
        }

        using (var se = X25519.Agree(ephemeral, _initiatorStatic))
        {
            _state.MixKey(se);
        }

        _state.EncryptAndHash(payload, message.AsSpan(X25519.KeyLength));
        return message;
    }

    public (byte[] InitiatorToResponder, byte[] ResponderToInitiator) Split() => _state.Split();

    public void Dispose() => _state.Dispose();
}
