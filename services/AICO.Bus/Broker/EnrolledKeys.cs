using AICO.Security;

namespace AICO.Bus;

/// <summary>
/// The part of the broker's allow-list that comes from enrolment (instances named component@name on other hosts):
/// replaced as a whole on each change of the list, never touching the installation's own components, and remembering
/// which instances were revoked so the broker can give that reason.
/// </summary>
internal sealed class EnrolledKeys
{
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);
    private IReadOnlySet<string> _revoked = new HashSet<string>(StringComparer.Ordinal);

    public static string RevokedReason(string instance) => $"'{instance}' was revoked (aico security revoke): its key is no longer accepted";

    public bool IsRevoked(string instance) => _revoked.Contains(instance);

    /// <summary>Replaces the enrolled entries of <paramref name="allowList"/> with <paramref name="snapshot"/>'s active ones.</summary>
    public void Apply(Dictionary<string, byte[]> allowList, EnrolmentSnapshot snapshot)
    {
        foreach (var name in _listed)
        {
            allowList.Remove(name);
        }

        _listed.Clear();
        foreach (var (instance, keyZ85) in snapshot.Active)
        {
            // Only component@name entries of bus clients: an enrolment can never stand in for 'gateway' or the broker itself.
            if (InstanceNames.ComponentOf(instance) == instance || !Components.Clients.Contains(InstanceNames.ComponentOf(instance))
                || !Z85.TryDecode(keyZ85, out var key) || key.Length != CurveKeyPair.KeyLength)
            {
                continue;
            }

            allowList[instance] = key;
            _listed.Add(instance);
        }

        _revoked = snapshot.Revoked;
    }
}
