using System.Security.Cryptography;
using AICO.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AICO.Storage.Tests;

/// <summary>The wiring the hosts use (builder.AddAicoDatabase): migrations at start and the "database" health check.</summary>
public class DatabaseHostingTests
{
    [Fact]
    public async Task A_service_migrates_at_start_and_reports_the_database_healthy()
    {
        using var temp = new TempDatabase();
        using var host = BuildHost(temp, temp.Key);

        await host.StartAsync();
        var entry = await DatabaseHealth(host);
        await host.StopAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(MigrationCatalog.Default.LatestVersion, entry.Data["schema_version"]);
        Assert.Equal((long)MigrationCatalog.Default.LatestVersion, temp.Open().Execute(c => Sql.Long(c, "SELECT count(*) FROM schema_migrations")));
        Assert.Same(host.Services.GetRequiredService<EncryptedDatabase>(), host.Services.GetRequiredService<EncryptedDatabase>());
    }

    [Fact]
    public async Task A_wrong_key_keeps_the_service_up_but_unhealthy_with_the_clear_message()
    {
        using var temp = new TempDatabase();
        temp.Open().Migrate();
        using var host = BuildHost(temp, RandomNumberGenerator.GetBytes(32));

        await host.StartAsync();
        var entry = await DatabaseHealth(host);
        await host.StopAsync();

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("database key does not match", entry.Description);
    }

    [Fact]
    public async Task A_missing_database_key_is_unhealthy_with_the_same_clear_message()
    {
        using var temp = new TempDatabase();
        using var host = BuildHost(temp, databaseKey: null);

        await host.StartAsync();
        var entry = await DatabaseHealth(host);
        await host.StopAsync();

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("database key does not match", entry.Description);
        Assert.Throws<DatabaseKeyMismatchException>(() => host.Services.GetRequiredService<EncryptedDatabase>());
    }

    [Fact]
    public async Task Before_start_the_database_check_is_unhealthy()
    {
        using var temp = new TempDatabase();
        using var host = BuildHost(temp, temp.Key);

        var entry = await DatabaseHealth(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("not run yet", entry.Description);
    }

    private static IHost BuildHost(TempDatabase temp, byte[]? databaseKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = StorageOptionsTests.InjectedSettings(databaseKey);
        settings[AicoPaths.DataDirVariable] = temp.Paths.DataDirectory;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAicoDatabase(Components.LogConsumer);
        return builder.Build();
    }

    private static async Task<HealthReportEntry> DatabaseHealth(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["database"];
    }
}
