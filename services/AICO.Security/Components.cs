namespace AICO.Security;

/// <summary>The named parts of AICO that hold their own bus identity (CURVE key pair).</summary>
public static class Components
{
    public const string Broker = "broker";
    public const string Gateway = "gateway";
    public const string ModelService = "modelservice";
    public const string LogConsumer = "logconsumer";
    public const string Cli = "cli";

    /// <summary>Every component, broker first.</summary>
    public static IReadOnlyList<string> All { get; } = [Broker, Gateway, ModelService, LogConsumer, Cli];

    /// <summary>The components that connect to the broker as clients.</summary>
    public static IReadOnlyList<string> Clients { get; } = [Gateway, ModelService, LogConsumer, Cli];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);

    /// <summary>What an instance on another host needs besides its key pair: the log consumer and the gateway open the database.</summary>
    public static bool NeedsDatabaseKey(string component) => component is LogConsumer or Gateway;

    /// <summary>Only the gateway validates bearer tokens.</summary>
    public static bool NeedsJwtSigningKey(string component) => component is Gateway;
}
