using AICO.Bus;
using AICO.Security;

namespace AICO.Benchmarks;

/// <summary>A started broker on a loopback ephemeral port, with the keys an installation derives from its master key.</summary>
internal static class BenchmarkBroker
{
    public static BrokerEngine Start(KeyDerivation keys)
    {
        var brokerKeys = ComponentKeys.Derive(keys, Components.Broker);
        var broker = new BrokerEngine(brokerKeys.KeyPair, brokerKeys.AllowList, new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        broker.Start();
        return broker;
    }
}
