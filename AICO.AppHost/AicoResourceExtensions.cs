using AICO.Security;

/// <summary>Wiring shared by every AICO process resource: where the installation lives and which keys it gets.</summary>
internal static class AicoResourceExtensions
{
    public static IResourceBuilder<ProjectResource> WithAicoIdentity(
        this IResourceBuilder<ProjectResource> resource, AicoInstallation installation, string component)
    {
        return resource
            .WithEnvironment(AicoPaths.DataDirVariable, installation.Paths.DataDirectory)
            .WithEnvironment(AicoPaths.RuntimeDirVariable, installation.Paths.RuntimeDirectory)
            .WithEnvironment(EnvName(ComponentKeys.ComponentSetting), component)
            .WithEnvironment(EnvName(ComponentKeys.SecretKeySetting), installation.SecretKey(component))
            .WithEnvironment(EnvName(ComponentKeys.BrokerPublicKeySetting), installation.BrokerPublicKey)
            .WithEnvironment("ORT_DISABLE_TELEMETRY", "1");
    }

    public static IResourceBuilder<ProjectResource> WithDatabaseKey(
        this IResourceBuilder<ProjectResource> resource, AicoInstallation installation) =>
        resource.WithEnvironment(EnvName(ComponentKeys.DatabaseKeySetting), installation.DatabaseKey);

    public static IResourceBuilder<ProjectResource> WithJwtSigningKey(
        this IResourceBuilder<ProjectResource> resource, AicoInstallation installation) =>
        resource.WithEnvironment(EnvName(ComponentKeys.JwtSigningKeySetting), installation.JwtSigningKey);

    public static IResourceBuilder<ProjectResource> WithBusAllowList(
        this IResourceBuilder<ProjectResource> resource, AicoInstallation installation) =>
        resource.WithEnvironment(EnvName(ComponentKeys.AllowListSetting), installation.AllowList);

    /// <summary>Clients reach the broker on loopback at the port Aspire allocated for its bus endpoint.</summary>
    public static IResourceBuilder<ProjectResource> WithBusEndpoint(
        this IResourceBuilder<ProjectResource> resource, EndpointReference bus) =>
        resource.WithEnvironment("Bus__Endpoint", ReferenceExpression.Create($"tcp://127.0.0.1:{bus.Property(EndpointProperty.TargetPort)}"));

    /// <summary>Waits for <paramref name="dependency"/> when this AppHost runs it (a remote one is not waited for).</summary>
    public static IResourceBuilder<ProjectResource> WaitForIfHere(
        this IResourceBuilder<ProjectResource> resource, IResourceBuilder<ProjectResource>? dependency) =>
        dependency is null ? resource : resource.WaitFor(dependency);

    private static string EnvName(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);
}
