using AICO.Security;
using NSec.Cryptography;

namespace AICO.Bus;

/// <summary>
/// What every broker-side handshake shares: the broker's static key, the allow-list (component name to public key)
/// with DH(broker static, client static) computed once per listed key, the clock and the memory of accepted HELLOs.
/// </summary>
internal sealed class BrokerKeyring : IDisposable
{
    private const int ReplayMemoryCapacity = 100_000;

    private readonly Dictionary<string, byte[]> _allowList;
    private readonly Dictionary<string, SharedSecret> _staticSecrets = new(StringComparer.Ordinal);

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
        foreach (var (component, key) in _allowList)
        {
            var hex = Convert.ToHexString(key);
            if (!_staticSecrets.ContainsKey(hex))
            {
                _staticSecrets[hex] = X25519.TryAgree(StaticKey, key, out var ss)
                    ? ss
                    : throw new ArgumentException($"allow-list key of '{component}' is not a usable X25519 public key");
            }
        }
    }

    public Key StaticKey { get; }

    public byte[] StaticPublic { get; }

    public TimeProvider Clock { get; }

    public HandshakeReplayMemory Replays { get; } = new(ReplayMemoryCapacity);

    public bool TryGetListedKey(string component, out byte[] publicKey) => _allowList.TryGetValue(component, out publicKey!);

    /// <summary>DH(broker static, <paramref name="clientStatic"/>) when that key is on the allow-list under any name.</summary>
    public bool TryGetStaticSecret(ReadOnlySpan<byte> clientStatic, out SharedSecret ss) =>
        _staticSecrets.TryGetValue(Convert.ToHexString(clientStatic), out ss!);

    public void Dispose()
    {
        foreach (var ss in _staticSecrets.Values)
        {
            ss.Dispose();
        }

        StaticKey.Dispose();
    }
}
