using AICO.Security;
using Microsoft.Extensions.Configuration;

/// <summary>
/// Which processes this AppHost runs and where the bus listens. Parameters:
/// <c>bus-bind-address</c> (e.g. 0.0.0.0 or 10.0.0.1: the address the broker binds so another host can dial it) and
/// <c>remote-components</c> (comma-separated, e.g. modelservice: enrolled on another host, not started here).
/// </summary>
internal sealed class AicoTopology
{
    public const string BindAddressParameter = "bus-bind-address";
    public const string RemoteComponentsParameter = "remote-components";
    private static readonly string[] Movable = [Components.ModelService, Components.LogConsumer, Components.Gateway];

    private AicoTopology(string? bindAddress, IReadOnlySet<string> remote)
    {
        BindAddress = bindAddress;
        Remote = remote;
    }

    public string? BindAddress { get; }

    public IReadOnlySet<string> Remote { get; }

    public bool RunsHere(string component) => !Remote.Contains(component);

    public static AicoTopology From(IConfiguration configuration)
    {
        var bind = configuration[$"Parameters:{BindAddressParameter}"]?.Trim();
        if (bind is { Length: > 0 } && !System.Net.IPAddress.TryParse(bind, out _) && bind != "*")
        {
            throw new ArgumentException($"Parameters:{BindAddressParameter} must be an IP address (e.g. 0.0.0.0 or 10.0.0.1), got '{bind}'.");
        }

        var remote = (configuration[$"Parameters:{RemoteComponentsParameter}"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        if (remote.FirstOrDefault(c => !Movable.Contains(c)) is { } bad)
        {
            throw new ArgumentException($"Parameters:{RemoteComponentsParameter} lists '{bad}'; only {string.Join(", ", Movable)} can run on another host.");
        }

        return new AicoTopology(bind is { Length: > 0 } ? bind : null, remote);
    }
}
