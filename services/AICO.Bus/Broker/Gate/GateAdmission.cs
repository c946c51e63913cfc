using System.Net;

namespace AICO.Bus;

/// <summary>
/// The gate's connection bookkeeping. Connections in their handshake are bounded per source address and in total; past
/// either bound the oldest one (of that source, else overall) is evicted, so a peer that opens connections and stalls
/// cannot keep a real client (whose handshake takes a round trip) out. Established connections are bounded per source
/// and in total; past those bounds a new connection is refused.
/// </summary>
internal sealed class GateAdmission(BrokerOptions options)
{
    private readonly LinkedList<GateConnection> _handshaking = new();
    private readonly Dictionary<IPAddress, Source> _sources = [];
    private readonly HashSet<GateConnection> _all = [];
    private int _established;

    /// <summary>Null when admitted (possibly evicting <paramref name="evicted"/>), else the refusal reason.</summary>
    public string? Admit(GateConnection connection, out GateConnection? evicted)
    {
        evicted = null;
        lock (_handshaking)
        {
            var source = SourceOf(connection.Source);
            if (source.Established >= options.MaxConnectionsPerSource || _established >= options.MaxConnections)
            {
                return "connection-limit";
            }

            if (source.Handshaking.Count >= options.MaxHandshakesPerSource)
            {
                evicted = source.Handshaking.First!.Value;
            }
            else if (_handshaking.Count >= options.MaxHandshakes)
            {
                evicted = _handshaking.First!.Value;
            }

            if (evicted is not null)
            {
                Unlink(evicted);
            }

            connection.InHandshake = _handshaking.AddLast(connection);
            connection.InSourceHandshake = source.Handshaking.AddLast(connection);
            _all.Add(connection);
            return null;
        }
    }

    public void Established(GateConnection connection)
    {
        lock (_handshaking)
        {
            if (connection.InHandshake is null)
            {
                return;
            }

            Unlink(connection);
            connection.CountedEstablished = true;
            SourceOf(connection.Source).Established++;
            _established++;
        }
    }

    public void Release(GateConnection connection)
    {
        lock (_handshaking)
        {
            if (!_all.Remove(connection))
            {
                return;
            }

            if (connection.InHandshake is not null)
            {
                Unlink(connection);
            }
            else if (connection.CountedEstablished)
            {
                SourceOf(connection.Source).Established--;
                _established--;
            }

            if (_sources.TryGetValue(connection.Source, out var source) && source.Established == 0 && source.Handshaking.Count == 0)
            {
                _sources.Remove(connection.Source);
            }
        }
    }

    public void AbortAll()
    {
        GateConnection[] all;
        lock (_handshaking)
        {
            all = [.. _all];
        }

        foreach (var connection in all)
        {
            connection.Abort();
        }
    }

    private void Unlink(GateConnection connection)
    {
        _handshaking.Remove(connection.InHandshake!);
        SourceOf(connection.Source).Handshaking.Remove(connection.InSourceHandshake!);
        connection.InHandshake = null;
        connection.InSourceHandshake = null;
    }

    private Source SourceOf(IPAddress address)
    {
        if (!_sources.TryGetValue(address, out var source))
        {
            source = new Source();
            _sources[address] = source;
        }

        return source;
    }

    private sealed class Source
    {
        public LinkedList<GateConnection> Handshaking { get; } = new();
        public int Established { get; set; }
    }
}
