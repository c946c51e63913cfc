using AICO.Security;

namespace AICO.Bus;

/// <summary>
/// What every broker-side handshake shares: the broker's static key pair, the allow-list (component name to public
/// key) and the memory of handshakes already accepted.
/// </summary>
internal sealed class BrokerKeyring
{
    private const int ReplayMemoryCapacity = 100_000;

    private readonly Dictionary<string, byte[]> _allowList;
    private readonly EnrolledKeys _enrolments = new();

    public BrokerKeyring(CurveKeyPair keys, IReadOnlyDictionary<string, string> allowList)
    {
        StaticSecret = keys.SecretKey.ToArray();
        StaticPublic = keys.PublicKey.ToArray();
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

    public byte[] StaticSecret { get; }

    public byte[] StaticPublic { get; }

    public HandshakeReplayMemory Replays { get; } = new(ReplayMemoryCapacity);

    public bool TryGetListedKey(string component, out byte[] publicKey) => _allowList.TryGetValue(component, out publicKey!);

    /// <summary>An instance enrolled on another host and then revoked (the handshake says so instead of "unknown").</summary>
    public bool IsRevoked(string instance) => _enrolments.IsRevoked(instance);

    /// <summary>Replaces the instances enrolled on other hosts; the installation's own components are never touched.</summary>
    public void ApplyEnrolments(EnrolmentSnapshot snapshot) => _enrolments.Apply(_allowList, snapshot);
}
