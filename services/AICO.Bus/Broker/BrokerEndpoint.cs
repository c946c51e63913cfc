using System.Net;
using System.Net.Sockets;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>Bus:Endpoint (tcp://host:port) and Bus:BindAddress: where the gate or the router listens.</summary>
internal static class BrokerEndpoint
{
    public static string Host(BrokerOptions options)
    {
        var (host, _) = SplitEndpoint(options);
        return host;
    }

    public static IPEndPoint PublicEndPoint(BrokerOptions options)
    {
        var (host, port) = SplitEndpoint(options);
        var portNumber = port is "0" or "*" ? 0 : int.TryParse(port, out var p) && p is > 0 and < 65536 ? p : throw new ArgumentException($"Bus:Endpoint has no valid port: '{options.Endpoint}'");
        var address = host is "*" or "0.0.0.0" ? IPAddress.Any
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? throw new ArgumentException($"cannot resolve the bus host '{host}'");
        return new IPEndPoint(address, portNumber);
    }

    public static (string Host, string Port) SplitEndpoint(BrokerOptions options)
    {
        var endpoint = options.Endpoint;
        var uri = endpoint.StartsWith("tcp://", StringComparison.Ordinal) ? endpoint["tcp://".Length..] : throw new ArgumentException($"Bus:Endpoint must be tcp://host:port, got '{endpoint}'");
        var colon = uri.LastIndexOf(':');
        if (colon <= 0)
        {
            throw new ArgumentException($"Bus:Endpoint must be tcp://host:port, got '{endpoint}'");
        }

        var host = string.IsNullOrWhiteSpace(options.BindAddress) ? uri[..colon] : options.BindAddress.Trim();
        return (host, uri[(colon + 1)..]);
    }

    public static string Bind(RouterSocket router, BrokerOptions options)
    {
        var (host, port) = SplitEndpoint(options);
        if (port is "0" or "*")
        {
            var bound = router.BindRandomPort("tcp://" + host);
            return $"tcp://{host}:{bound}";
        }

        router.Bind($"tcp://{host}:{port}");
        return $"tcp://{host}:{port}";
    }
}
