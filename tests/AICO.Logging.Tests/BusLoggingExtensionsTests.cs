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

    [Theory]
    [InlineData("Logging:Bus:BufferCapasity", "5", "BufferCapasity")]
    [InlineData("Logging:Bus:BufferCapacity", "lots", "Logging:Bus:BufferCapacity")]
    [InlineData("Logging:Bus:BufferCapacity", "0", "Logging:Bus:BufferCapacity must be between 1 and")]
    [InlineData("Logging:Bus:ClosedGatePollInterval", "00:00:00", "Logging:Bus:ClosedGatePollInterval must be between")]
    [InlineData("Logging:Bus:AckTimeout", "2.00:00:00", "Logging:Bus:AckTimeout must be between")]
    public async Task A_misspelled_or_out_of_range_setting_stops_the_host_at_start_naming_the_setting(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration[key] = value;
        builder.AddAicoBusLogging();

        var error = await Record.ExceptionAsync(async () =>
        {
            using var host = builder.Build();
            await host.StartAsync();
        });

        Assert.NotNull(error);
        Assert.True(error.Message.Contains(named, StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void Every_setting_is_read_from_configuration_including_the_gate_poll_intervals()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Logging:Bus:ClosedGatePollInterval"] = "00:00:00.040";
        builder.Configuration["Logging:Bus:OpenGatePollInterval"] = "00:00:07";
        builder.Configuration["Logging:Bus:MaxUnacknowledgedBatches"] = "3";
        builder.AddAicoBusLogging();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<BusLoggingOptions>();
        Assert.Equal(TimeSpan.FromMilliseconds(40), options.ClosedGatePollInterval);
        Assert.Equal(TimeSpan.FromSeconds(7), options.OpenGatePollInterval);
        Assert.Equal(3, options.MaxUnacknowledgedBatches);
    }
}
