using AICO.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

public class BusLoggingExtensionsTests
{
    [Fact]
    public async Task Without_a_bus_client_the_provider_disables_itself_and_the_process_keeps_running()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddAicoBusLogging();
        using var host = builder.Build();
        await host.StartAsync();

        var provider = host.Services.GetRequiredService<BusLoggerProvider>();
        Assert.False(provider.Accepting);
        host.Services.GetRequiredService<ILogger<BusLoggingExtensionsTests>>().LogInformation("still logging");
        Assert.Equal(0, provider.Buffer.Count);
        await host.StopAsync();
    }

    [Fact]
    public async Task With_a_bus_client_the_provider_starts_and_names_its_producer_after_the_component()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<AICO.Bus.IBusClient>(new FakeBusClient("modelservice"));
        builder.AddAicoBusLogging();
        using var host = builder.Build();
        await host.StartAsync();

        var provider = host.Services.GetRequiredService<BusLoggerProvider>();
        Assert.True(provider.Accepting);
        Assert.StartsWith("modelservice/", provider.Producer);
        await host.StopAsync();
    }

    [Fact]
    public void Bad_configuration_is_a_clear_error()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Logging:Bus:BufferCapacity"] = "lots";
        var ex = Assert.Throws<InvalidOperationException>(() => builder.AddAicoBusLogging());
        Assert.Contains("Logging:Bus:BufferCapacity", ex.Message);
    }
}
