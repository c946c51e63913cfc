namespace AICO.Gateway.Auth;

public static class GatewayRoles
{
    public const string Admin = "admin";
    public const string User = "user";

    /// <summary>The authorization policy admin endpoints require.</summary>
    public const string AdminPolicy = "admin";

    public static IReadOnlyList<string> All { get; } = [Admin, User];
}
