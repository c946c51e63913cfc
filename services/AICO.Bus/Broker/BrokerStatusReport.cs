namespace AICO.Bus;

/// <summary>The broker's status as a client or the health check sees it.</summary>
internal static class BrokerStatusReport
{
    /// <summary>The broker's view; a component not in StatusReaders sees its own row in full and only the names and subscriptions of others.</summary>
    public static StatusReport Build(IEnumerable<BrokerConnection> connections, RefusalLog refusals, long droppedTotal, BrokerOptions options, string? reader)
    {
        var full = reader is null || options.StatusReaders.Contains(reader, StringComparer.Ordinal);
        var report = new StatusReport { DeniedTotal = refusals.Total, DroppedTotal = droppedTotal };
        report.Refusals.Add(refusals.Snapshot());
        foreach (var c in connections.Where(c => c.Authenticated).OrderBy(c => c.Component, StringComparer.Ordinal))
        {
            var client = full || c.Component == reader
                ? new ClientReport { Component = c.Component, ConnectionId = c.Id, MessagesIn = c.MessagesIn, MessagesOut = c.MessagesOut, Dropped = c.Dropped, Denied = c.Denied }
                : new ClientReport { Component = c.Component };
            client.Subscriptions.AddRange(c.Subscriptions.Select(s => s.Text));
            report.Clients.Add(client);
        }

        return report;
    }

    public static BrokerStatus ToStatus(StatusReport report) => new(
        report.Clients.Select(c => new BrokerClientStatus(c.Component, c.ConnectionId, c.Subscriptions.ToArray(), c.MessagesIn, c.MessagesOut, c.Dropped, c.Denied)).ToArray(),
        report.DeniedTotal,
        report.DroppedTotal)
    {
        Refusals = new SortedDictionary<string, long>(report.Refusals, StringComparer.Ordinal),
    };
}
