namespace AICO.Security;

/// <summary>
/// The key material one process needs, and nothing more. The AppHost injects it as secret parameters
/// (configuration keys below); a process started on its own (CLI, standalone run) takes it from the bundle joined on
/// this host (another host's enrolment) or derives it from the key store.
/// </summary>
public sealed class ComponentKeys
{
    private readonly string? _instance;

    public const string ComponentSetting = "Aico:Component";
    public const string SecretKeySetting = "Aico:Keys:SecretKey";
    public const string BrokerPublicKeySetting = "Aico:Keys:BrokerPublicKey";
    public const string DatabaseKeySetting = "Aico:Keys:DatabaseKey";
    public const string JwtSigningKeySetting = "Aico:Keys:JwtSigningKey";
    public const string AllowListSetting = "Aico:Keys:AllowList";

    public required string Component { get; init; }

    /// <summary>The name this process authenticates as: the component, or <c>component@name</c> for an enrolled instance.</summary>
    public string Instance { get => _instance ?? Component; init => _instance = value; }

    /// <summary>The bus endpoint an enrolment bundle names; null when the keys come from the key store or injection.</summary>
    public string? BusEndpoint { get; init; }

    public required CurveKeyPair KeyPair { get; init; }
    public required string BrokerPublicKeyZ85 { get; init; }

    /// <summary>Null for processes that never open the database.</summary>
    public byte[]? DatabaseKey { get; init; }

    public byte[]? JwtSigningKey { get; init; }

    /// <summary>Broker only: client component name to its CURVE public key (Z85).</summary>
    public IReadOnlyDictionary<string, string> AllowList { get; init; } = new Dictionary<string, string>();

    /// <summary>Derives every key of <paramref name="component"/> from the master key.</summary>
    public static ComponentKeys Derive(KeyDerivation derivation, string component) => new()
    {
        Component = component,
        KeyPair = derivation.CurveKeyPair(component),
        BrokerPublicKeyZ85 = derivation.CurveKeyPair(Components.Broker).PublicKeyZ85,
        DatabaseKey = derivation.DatabaseKey(),
        JwtSigningKey = derivation.JwtSigningKey(),
        AllowList = component == Components.Broker
            ? Components.Clients.ToDictionary(c => c, c => derivation.CurveKeyPair(c).PublicKeyZ85)
            : new Dictionary<string, string>(),
    };

    /// <summary>The keys an enrolment bundle carries for its instance.</summary>
    public static ComponentKeys FromBundle(EnrolmentBundle bundle) => new()
    {
        Component = bundle.Component,
        Instance = bundle.Instance,
        KeyPair = bundle.KeyPair,
        BrokerPublicKeyZ85 = bundle.BrokerPublicKeyZ85,
        BusEndpoint = bundle.BusEndpoint,
        DatabaseKey = bundle.DatabaseKey,
        JwtSigningKey = bundle.JwtSigningKey,
    };

    /// <summary>
    /// Injected settings win; without them the bundle this host joined for <paramref name="component"/> is used, else
    /// the key store of <paramref name="paths"/> is read. A half-injected set (a secret key but no broker key) is an
    /// error, not a silent mix of two installations.
    /// </summary>
    public static ComponentKeys Resolve(string component, Func<string, string?> setting, AicoPaths paths)
    {
        var secret = setting(SecretKeySetting);
        if (string.IsNullOrWhiteSpace(secret))
        {
            return new JoinedBundles(paths).Find(component) is { } bundle
                ? FromBundle(bundle)
                : Derive(new MasterKeyStore(paths).LoadDerivation(), component);
        }

        var brokerKey = setting(BrokerPublicKeySetting);
        if (string.IsNullOrWhiteSpace(brokerKey) || !Z85.TryDecode(brokerKey, out var brokerBytes) || brokerBytes.Length != CurveKeyPair.KeyLength)
        {
            throw new KeyStoreException($"{SecretKeySetting} is set but {BrokerPublicKeySetting} is missing or not a 40-character Z85 key.");
        }

        return new ComponentKeys
        {
            Component = component,
            KeyPair = CurveKeyPair.FromSecretKeyZ85(secret.Trim()),
            BrokerPublicKeyZ85 = brokerKey.Trim(),
            DatabaseKey = Optional(setting(DatabaseKeySetting), Convert.FromHexString, DatabaseKeySetting),
            JwtSigningKey = Optional(setting(JwtSigningKeySetting), Convert.FromBase64String, JwtSigningKeySetting),
            AllowList = ParseAllowList(setting(AllowListSetting)),
        };
    }

    /// <summary>Allow-list text form: <c>component=Z85PUBLICKEY;component=Z85PUBLICKEY</c>.</summary>
    public static string FormatAllowList(IReadOnlyDictionary<string, string> allowList) =>
        string.Join(';', allowList.Select(kv => $"{kv.Key}={kv.Value}"));

    public static IReadOnlyDictionary<string, string> ParseAllowList(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=');
            var name = eq > 0 ? entry[..eq] : "";
            var key = eq > 0 ? entry[(eq + 1)..] : "";
            if (name.Length == 0 || !Z85.TryDecode(key, out var bytes) || bytes.Length != CurveKeyPair.KeyLength)
            {
                throw new KeyStoreException($"{AllowListSetting} entry '{entry}' is not 'component=<40-character Z85 public key>'.");
            }

            result[name] = key;
        }

        return result;
    }

    private static byte[]? Optional(string? value, Func<string, byte[]> parse, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            return parse(value.Trim());
        }
        catch (FormatException)
        {
            throw new KeyStoreException($"{name} is set but is not in the expected format.");
        }
    }
}
