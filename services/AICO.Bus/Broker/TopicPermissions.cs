using System.Text;
using AICO.Security;

namespace AICO.Bus;

/// <summary>The topic prefixes one component may publish to and subscribe to.</summary>
public sealed record ComponentPermissions(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe);

/// <summary>
/// Per-component topic permissions, configured in one place (the Bus:Permissions section, else these defaults).
/// A publish is allowed when the topic starts with an allowed publish prefix; a subscription when its prefix starts
/// with an allowed subscribe prefix (so "" allows everything). `{component}` in a prefix is the component's own name.
/// </summary>
public sealed class TopicPermissions
{
    private readonly Dictionary<string, (byte[][] Publish, byte[][] Subscribe, ComponentPermissions Source)> _byComponent;

    public TopicPermissions(IReadOnlyDictionary<string, ComponentPermissions> permissions)
    {
        _byComponent = permissions.ToDictionary(
            kv => kv.Key,
            kv => (Utf8(kv.Key, kv.Value.Publish), Utf8(kv.Key, kv.Value.Subscribe), kv.Value),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Every component publishes its logs under logs/{component}/ and its own messages under {component}/, and listens
    /// on {component}/, system/ and logconsumer/. Only the log consumer reads logs/. The gateway may send requests to
    /// the model service. The CLI may watch everything (aico bus monitor) and publish under cli/ and system/. The broker's
    /// own client only ships its log records (requests on logs/broker/; the acknowledgements come back as replies).
    /// </summary>
    public static IReadOnlyDictionary<string, ComponentPermissions> Defaults { get; } = new Dictionary<string, ComponentPermissions>
    {
        [Components.Gateway] = new(["logs/{component}/", "{component}/", "modelservice/"], ["{component}/", "system/", "logconsumer/"]),
        [Components.ModelService] = new(["logs/{component}/", "{component}/"], ["{component}/", "system/", "logconsumer/"]),
        [Components.LogConsumer] = new(["logs/{component}/", "{component}/"], ["logs/", "{component}/", "system/"]),
        [Components.Broker] = new(["logs/{component}/"], []),
        [Components.Cli] = new(["logs/{component}/", "{component}/", "system/"], [""]),
    };

    public static TopicPermissions Default { get; } = new(Defaults);

    /// <summary>The permissions of a component; an enrolled instance (component@name) has its component's.</summary>
    public ComponentPermissions? For(string component) => _byComponent.TryGetValue(InstanceNames.ComponentOf(component), out var p) ? p.Source : null;

    public bool MayPublish(string component, ReadOnlySpan<byte> topic) =>
        _byComponent.TryGetValue(InstanceNames.ComponentOf(component), out var p) && AnyPrefix(p.Publish, topic);

    public bool MaySubscribe(string component, ReadOnlySpan<byte> prefix) =>
        _byComponent.TryGetValue(InstanceNames.ComponentOf(component), out var p) && AnyPrefix(p.Subscribe, prefix);

    public string PublishRefusal(string component, string topic) =>
        $"'{component}' may not publish to '{topic}' (allowed prefixes: {Describe(For(component)?.Publish, InstanceNames.ComponentOf(component))})";

    public string SubscribeRefusal(string component, string prefix) =>
        $"'{component}' may not subscribe to '{prefix}' (allowed prefixes: {Describe(For(component)?.Subscribe, InstanceNames.ComponentOf(component))})";

    private static string Describe(IReadOnlyList<string>? prefixes, string component) =>
        prefixes is null || prefixes.Count == 0
            ? "none"
            : string.Join(", ", prefixes.Select(p => "'" + p.Replace("{component}", component, StringComparison.Ordinal) + "'"));

    private static bool AnyPrefix(byte[][] prefixes, ReadOnlySpan<byte> topic)
    {
        foreach (var prefix in prefixes)
        {
            if (topic.StartsWith(prefix))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[][] Utf8(string component, IReadOnlyList<string> prefixes) =>
        prefixes.Select(p => Encoding.UTF8.GetBytes(p.Replace("{component}", component, StringComparison.Ordinal))).ToArray();
}
