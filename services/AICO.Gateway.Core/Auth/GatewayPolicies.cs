namespace AICO.Gateway.Auth;

/// <summary>Authorization policies of the API (the admin policy is <see cref="GatewayRoles.AdminPolicy"/>).</summary>
internal static class GatewayPolicies
{
    /// <summary>Chat and embeddings: the user or the admin role.</summary>
    public const string User = "user";
}
