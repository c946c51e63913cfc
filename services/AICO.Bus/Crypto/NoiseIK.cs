using System.Text;

namespace AICO.Bus;

/// <summary>The handshake pattern the bus speaks: Noise IK (<c>&lt;- s ... -&gt; e, es, s, ss; &lt;- e, ee, se</c>).</summary>
internal static class NoiseIK
{
    public static readonly byte[] ProtocolName = Encoding.ASCII.GetBytes("Noise_IK_25519_ChaChaPoly_SHA256");

    /// <summary>Bytes of the first message without its payload: e (32), encrypted s (32 + 16), payload tag (16).</summary>
    public const int Message1Overhead = X25519.KeyLength + X25519.KeyLength + NoiseSymmetricState.TagLength + NoiseSymmetricState.TagLength;

    /// <summary>Bytes of the second message without its payload: e (32), payload tag (16).</summary>
    public const int Message2Overhead = X25519.KeyLength + NoiseSymmetricState.TagLength;
}
