using AICO.Security;

namespace AICO.Bus;

/// <summary>The enrolled instances a broker accepts (instance to Z85 public key) and those it must deny as revoked.</summary>
public sealed record EnrolmentSnapshot(IReadOnlyDictionary<string, string> Active, IReadOnlySet<string> Revoked)
{
    public static EnrolmentSnapshot Empty { get; } = new(new Dictionary<string, string>(), new HashSet<string>());

    public static EnrolmentSnapshot From(IEnumerable<EnrolledInstance> instances)
    {
        var list = instances.ToList();
        return new EnrolmentSnapshot(
            list.Where(e => !e.IsRevoked).ToDictionary(e => e.Instance, e => e.PublicKeyZ85, StringComparer.Ordinal),
            list.Where(e => e.IsRevoked).Select(e => e.Instance).ToHashSet(StringComparer.Ordinal));
    }
}
