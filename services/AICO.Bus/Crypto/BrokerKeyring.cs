using AICO.Security;
using NSec.Cryptography;

namespace AICO.Bus;

/// <summary>
/// What every broker-side handshake shares: the broker's static key, the allow-list (component or instance name to
/// public key, enrolled instances replaced as they change) with DH(broker static, client static) computed once per
/// listed key, the clock and the memory of accepted HELLOs.
/// </summary>
internal sealed class BrokerKeyring : IDisposable
{
    private const int ReplayMemoryCapacity = 100_000;

    private readonly Dictionary<string, byte[]> _allowList;
    private readonly Dictionary<string, SharedSecret> _staticSecrets = new(StringComparer.Ordinal);
    private readonly EnrolledKeys _enrolments = new();

    public BrokerKeyring(CurveKeyPair keys, IReadOnlyDictionary<string, string> allowList, TimeProvider? clock = null)
    {
        StaticKey = X25519.ImportSecret(keys.SecretKey);
        StaticPublic = keys.PublicKey.ToArray();
        Clock = clock ?? TimeProvider.System;
        _allowList = allowList.ToDictionary(
            kv => kv.Key,
            kv => Z85.TryDecode(kv.Value, out var key) && key.Length == CurveKeyPair.KeyLength
                ? key
                : throw new ArgumentException($"allow-list key of '{kv.Key}' is not a 40-character Z85 key"),
            StringComparer.Ordinal);

        // The broker's own client (its log records) proves the broker key pair like any client. Its public key comes
        // from the secret this broker holds, never from configuration, so a configured 'broker' entry must match it.
        if (_allowList.TryGetValue(Components.Broker, out var configured) && !configured.AsSpan().SequenceEqual(StaticPublic))
        {
            throw new ArgumentException($"the allow-list entry '{Components.Broker}' is not this broker's public key");
        }

        _allowList[Components.Broker] = StaticPublic;
    }

    public Key StaticKey { get; }

    public byte[] StaticPublic { get; }

    public TimeProvider Clock { get; }

    public HandshakeReplayMemory Replays { get; } = new(ReplayMemoryCapacity);

    public bool TryGetListedKey(string component, out byte[] publicKey) => _allowList.TryGetValue(component, out publicKey!);

    /// <summary>
    /// DH(broker static, <paramref name="clientStatic"/>), computed once per key, while that key is on the allow-list
    /// under any name; null for any other key (the handshake then computes it, to learn which name the peer claims).
    /// </summary>
    public SharedSecret? StaticSecretIfListed(ReadOnlySpan<byte> clientStatic)
    {
        var listed = false;
        foreach (var key in _allowList.Values)
        {
            listed |= key.AsSpan().SequenceEqual(clientStatic);
        }

        var hex = Convert.ToHexString(clientStatic);
        if (!listed)
        {
            return null;
        }

        if (!_staticSecrets.TryGetValue(hex, out var ss) && X25519.TryAgree(StaticKey, clientStatic, out ss))
        {
            _staticSecrets[hex] = ss;
        }

        return ss;
    }

    public void Dispose()
    {
        foreach (var ss in _staticSecrets.Values)
        {
            ss.Dispose();
        }

        StaticKey.Dispose();
    }

    /// <summary>An instance enrolled on another host and then revoked (the handshake says so instead of "unknown").</summary>
    public bool IsRevoked(string instance) => _enrolments.IsRevoked(instance);

    /// <summary>Replaces the instances enrolled on other hosts; the installation's own components are never touched.</summary>
    public void ApplyEnrolments(EnrolmentSnapshot snapshot) => _enrolments.Apply(_allowList, snapshot);
}
