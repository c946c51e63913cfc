using AICO.Security;

/// <summary>
/// The key store the AppHost starts the system from: loaded, or created on the first run.
/// Each process receives only its own keys, as secret parameters (masked in the dashboard).
/// </summary>
internal sealed class AicoInstallation(IDistributedApplicationBuilder builder, AicoPaths paths, KeyDerivation keys)
{
    public AicoPaths Paths { get; } = paths;

    public static AicoInstallation LoadOrCreate(IDistributedApplicationBuilder builder)
    {
        var paths = AicoPaths.Resolve(name => builder.Configuration[name]);
        var store = new MasterKeyStore(paths);
        store.CreateIfMissing();
        return new AicoInstallation(builder, paths, store.LoadDerivation());
    }

    public IResourceBuilder<ParameterResource> SecretKey(string component) =>
        Secret($"{component}-secret-key", keys.CurveKeyPair(component).SecretKeyZ85);

    /// <summary>The key this component's log spool is sealed with (its own HKDF label, never the database key).</summary>
    public IResourceBuilder<ParameterResource> LogSpoolKey(string component) =>
        Secret($"{component}-log-spool-key", Convert.ToHexString(keys.LogSpoolKey(component)));

    public IResourceBuilder<ParameterResource> BrokerPublicKey { get; } =
        builder.AddParameter("broker-public-key", keys.CurveKeyPair(Components.Broker).PublicKeyZ85, secret: false);

    public IResourceBuilder<ParameterResource> DatabaseKey => _databaseKey ??=
        Secret("database-key", Convert.ToHexString(keys.DatabaseKey()));

    public IResourceBuilder<ParameterResource> JwtSigningKey => _jwtSigningKey ??=
        Secret("jwt-signing-key", Convert.ToBase64String(keys.JwtSigningKey()));

    public IResourceBuilder<ParameterResource> AllowList => _allowList ??= builder.AddParameter(
        "bus-allow-list",
        ComponentKeys.FormatAllowList(Components.Clients.ToDictionary(c => c, c => keys.CurveKeyPair(c).PublicKeyZ85)),
        secret: false);

    private IResourceBuilder<ParameterResource>? _databaseKey;
    private IResourceBuilder<ParameterResource>? _jwtSigningKey;
    private IResourceBuilder<ParameterResource>? _allowList;

    private IResourceBuilder<ParameterResource> Secret(string name, string value) =>
        builder.AddParameter(name, value, secret: true);
}
