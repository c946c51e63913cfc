using System.Security.Cryptography;
using System.Text;

namespace AICO.Bus;

/// <summary>
/// Where each reply goes. A request gets a broker-chosen correlation id (random) for its subscribers; the reply must
/// carry it and come from a connection the request was delivered to, and goes back with the requester's own id. A
/// requester's ids are unique while pending (a duplicate is refused) and bounded in number. Broker thread only.
/// </summary>
internal sealed class RequestRoutes
{
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<BrokerConnection, HashSet<string>> _byRequester = [];

    public int Count => _routes.Count;

    /// <summary>Null and a new route, or the reason the request is refused.</summary>
    public string? Open(BrokerConnection requester, ReadOnlySpan<byte> correlation, DateTime expires, int maxPerConnection, out Route route)
    {
        route = null!;
        var own = Encoding.UTF8.GetString(correlation);
        if (!_byRequester.TryGetValue(requester, out var open))
        {
            open = new HashSet<string>(StringComparer.Ordinal);
            _byRequester[requester] = open;
        }

        if (open.Contains(own))
        {
            return $"correlation id '{Printable(own)}' is already used by a pending request of this connection";
        }

        if (open.Count >= maxPerConnection)
        {
            return $"too many pending requests ({maxPerConnection}): wait for replies first";
        }

        var id = "r" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        route = new Route(id, Encoding.UTF8.GetBytes(id), requester, own, correlation.ToArray(), expires);
        open.Add(own);
        _routes[id] = route;
        return null;
    }

    /// <summary>The request reached no one: forget it.</summary>
    public void Cancel(Route route) => Close(route);

    /// <summary>The route of a reply from <paramref name="replier"/>, or null with the reason it is not accepted.</summary>
    public Route? Take(ReadOnlySpan<byte> correlation, BrokerConnection replier, out string reason)
    {
        reason = "";
        if (!_routes.TryGetValue(Encoding.UTF8.GetString(correlation), out var route))
        {
            reason = "unroutable-reply";
            return null;
        }

        if (!route.DeliveredTo.Contains(replier))
        {
            reason = "reply-not-delivered";
            return null;
        }

        Close(route);
        return route;
    }

    public void Sweep(DateTime now, Func<BrokerConnection, bool> alive)
    {
        foreach (var route in _routes.Values.Where(r => r.Expires < now || !alive(r.Requester)).ToList())
        {
            Close(route);
        }
    }

    public void Forget(BrokerConnection requester)
    {
        if (_byRequester.Remove(requester, out var open))
        {
            foreach (var route in _routes.Values.Where(r => r.Requester == requester).ToList())
            {
                _routes.Remove(route.Id);
            }
        }
    }

    /// <summary>The routes whose every recipient is gone once <paramref name="gone"/> is: closed and returned, so their requesters hear now.</summary>
    public List<Route> Abandon(BrokerConnection gone)
    {
        var orphaned = _routes.Values.Where(r => r.DeliveredTo.Remove(gone) && r.DeliveredTo.Count == 0).ToList();
        foreach (var route in orphaned)
        {
            Close(route);
        }

        return orphaned;
    }

    private void Close(Route route)
    {
        _routes.Remove(route.Id);
        if (_byRequester.TryGetValue(route.Requester, out var open))
        {
            open.Remove(route.RequesterCorrelation);
            if (open.Count == 0)
            {
                _byRequester.Remove(route.Requester);
            }
        }
    }

    private static string Printable(string text) => text.Length > 64 ? text[..64] + "..." : text;

    internal sealed record Route(string Id, byte[] IdUtf8, BrokerConnection Requester, string RequesterCorrelation, byte[] RequesterCorrelationUtf8, DateTime Expires)
    {
        public HashSet<BrokerConnection> DeliveredTo { get; } = [];
    }
}
