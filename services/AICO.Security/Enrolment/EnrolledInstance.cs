using System.Text.Json.Serialization;

namespace AICO.Security;

/// <summary>One instance on the broker's allow-list of enrolled hosts; revoked entries stay so the broker can say why it denies.</summary>
public sealed record EnrolledInstance(
    string Instance,
    [property: JsonPropertyName("publicKey")] string PublicKeyZ85,
    DateTimeOffset EnrolledAt,
    DateTimeOffset? RevokedAt)
{
    [JsonIgnore]
    public string Component => InstanceNames.ComponentOf(Instance);

    [JsonIgnore]
    public bool IsRevoked => RevokedAt is not null;
}
