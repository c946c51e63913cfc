using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>Fresh key pairs per test run (never committed): one broker pair and one pair per client component.</summary>
internal sealed class BusTestKeys
{
    public CurveKeyPair Broker { get; } = CurveKeyPair.Generate();

    public Dictionary<string, CurveKeyPair> Clients { get; } = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());

    public IReadOnlyDictionary<string, string> AllowList => Clients.ToDictionary(kv => kv.Key, kv => kv.Value.PublicKeyZ85);

    public ComponentKeys For(string component, CurveKeyPair? keyPair = null, string? brokerPublicKey = null) => new()
    {
        Component = component,
        KeyPair = keyPair ?? Clients[component],
        BrokerPublicKeyZ85 = brokerPublicKey ?? Broker.PublicKeyZ85,
    };
}
