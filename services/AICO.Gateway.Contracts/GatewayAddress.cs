namespace AICO.Gateway;

/// <summary>Where a gateway started outside Aspire listens when ASPNETCORE_URLS is not set.</summary>
public static class GatewayAddress
{
    public const string Default = "http://127.0.0.1:8771";
}
