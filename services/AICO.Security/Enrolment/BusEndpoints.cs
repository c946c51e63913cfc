namespace AICO.Security;

/// <summary>The bus endpoint form every process accepts.</summary>
public static class BusEndpoints
{
    public static bool IsTcp(string endpoint)
    {
        if (!endpoint.StartsWith("tcp://", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = endpoint["tcp://".Length..];
        var colon = rest.LastIndexOf(':');
        return colon > 0 && int.TryParse(rest[(colon + 1)..], out var port) && port is > 0 and <= 65535;
    }

    /// <summary>True when only this machine can reach it (127.x, localhost, ::1).</summary>
    public static bool IsLoopback(string endpoint)
    {
        var rest = endpoint.StartsWith("tcp://", StringComparison.Ordinal) ? endpoint["tcp://".Length..] : endpoint;
        var colon = rest.LastIndexOf(':');
        var host = (colon > 0 ? rest[..colon] : rest).Trim('[', ']');
        return host == "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }
}
