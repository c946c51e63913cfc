using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AICO.Gateway.Auth;

/// <summary>
/// Issues the gateway's bearer tokens: compact JWTs signed with HMAC-SHA256 and the installation's JWT signing key
/// (derived from the master key), so `aico gateway token` and the gateway agree without sharing anything else.
/// </summary>
public sealed class GatewayTokenIssuer
{
    public const string Issuer = "aico";
    public const string Audience = "aico-gateway";
    public const string RoleClaim = "role";
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    private readonly byte[] _key;

    public GatewayTokenIssuer(byte[] signingKey)
    {
        if (signingKey.Length < 32)
        {
            throw new ArgumentException("The JWT signing key must be at least 32 bytes.", nameof(signingKey));
        }

        _key = signingKey;
    }

    public string Issue(string subject, string role, TimeSpan lifetime, DateTimeOffset? now = null)
    {
        if (!GatewayRoles.All.Contains(role))
        {
            throw new ArgumentException($"Unknown role '{role}'; use {string.Join(" or ", GatewayRoles.All)}.", nameof(role));
        }

        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), $"A token lives between 1 s and {MaxLifetime.TotalDays:0} days.");
        }

        var issued = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var header = Segment(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Segment(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = subject,
            [RoleClaim] = role,
            ["iat"] = issued,
            ["nbf"] = issued,
            ["exp"] = issued + (long)lifetime.TotalSeconds,
            ["jti"] = Guid.NewGuid().ToString("N"),
        }));
        var signingInput = header + "." + payload;
        return signingInput + "." + Segment(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput)));
    }

    private static string Segment(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
