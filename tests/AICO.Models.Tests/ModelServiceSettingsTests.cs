using AICO.Models;
using Microsoft.Extensions.Hosting;

namespace AICO.Models.Tests;

/// <summary>A host with the model service (the registration the AICO.ModelService host uses) refuses a bad ModelService setting at start, naming it.</summary>
public sealed class ModelServiceSettingsTests
{
    [Theory]
    [InlineData("ModelService:MaxConcurentRequests", "4", "MaxConcurentRequests")]
    [InlineData("ModelService:MaxConcurrentRequests", "0", "ModelService:MaxConcurrentRequests must be between 1 and")]
    [InlineData("ModelService:MaxQueuedRequests", "-1", "ModelService:MaxQueuedRequests must be between 0 and")]
    [InlineData("ModelService:RequestTimeout", "soon", "ModelService:RequestTimeout")]
    [InlineData("ModelService:OllamaEndpoint", "localhost:11434", "ModelService:OllamaEndpoint must be an absolute http or https URL.")]
    [InlineData("ModelService:ChatModel", "", "ModelService:ChatModel must name a model.")]
    public async Task A_misspelled_or_out_of_range_setting_stops_the_host_at_start_naming_the_setting(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration[key] = value;
        builder.AddModelService();

        var error = await Record.ExceptionAsync(async () =>
        {
            using var host = builder.Build();
            await host.StartAsync();
        });

        Assert.NotNull(error);
        Assert.True(error.Message.Contains(named, StringComparison.Ordinal), error.Message);
    }
}
