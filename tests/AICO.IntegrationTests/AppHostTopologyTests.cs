using Aspire.Hosting;
using AICO.Security;

namespace AICO.IntegrationTests;

/// <summary>The AppHost's multi-host parameters, read from its model (built, never started: no processes, seconds).</summary>
public class AppHostTopologyTests
{
    [Fact]
    public async Task A_component_listed_as_remote_is_not_started_and_the_gateway_does_not_wait_for_it()
    {
        await using var model = await ModelAsync("Parameters:remote-components=modelservice");

        var projects = model.Resources.OfType<ProjectResource>().Select(r => r.Name).ToArray();
        Assert.DoesNotContain("modelservice", projects);
        Assert.Contains("gateway", projects);
        Assert.Contains("logconsumer", projects);
    }

    [Fact]
    public async Task The_bus_bind_address_parameter_reaches_the_broker_as_Bus_BindAddress()
    {
        await using var model = await ModelAsync("Parameters:bus-bind-address=0.0.0.0");

        var broker = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "broker");
        var value = (await EnvironmentOf(broker))["Bus__BindAddress"];
        Assert.Equal("0.0.0.0", await ((IValueProvider)value).GetValueAsync());
        var gateway = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway");
        Assert.DoesNotContain("Bus__BindAddress", (await EnvironmentOf(gateway)).Keys);
    }

    [Theory]
    [InlineData("Parameters:remote-components=broker", "only modelservice, logconsumer, gateway")]
    [InlineData("Parameters:bus-bind-address=gpu-box", "must be an IP address")]
    public async Task A_bad_topology_parameter_stops_the_AppHost_with_a_message_naming_it(string argument, string expected)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync(argument));
        Assert.Contains(expected, (ex.InnerException ?? ex).Message);
    }

    [Theory]
    [InlineData("Aico:Supervision:MaxRestart=3", "MaxRestart")]
    [InlineData("Aico:Supervision:InitialDelay=00:00:00", "Aico:Supervision:InitialDelay must be between")]
    [InlineData("Aico:Supervision:Window=often", "Aico:Supervision:Window")]
    public async Task A_misspelled_or_out_of_range_supervision_setting_stops_the_AppHost_naming_it(string argument, string expected)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync(argument));
        Assert.Contains(expected, (ex.InnerException ?? ex).Message);
    }

    /// <summary>The environment a resource's callbacks declare (values unresolved: parameters, endpoint references, text).</summary>
    private static async Task<Dictionary<string, object>> EnvironmentOf(IResource resource)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run));
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return context.EnvironmentVariables;
    }

    private static async Task<BuiltModel> ModelAsync(string argument)
    {
        var data = Path.Combine(Path.GetTempPath(), "aico-topology-" + Guid.NewGuid().ToString("N"));
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AICO_AppHost>(
                [$"{AicoPaths.DataDirVariable}={data}", "Aico:BusPort=0", argument]);
            return new BuiltModel(builder, data);
        }
        catch
        {
            DeleteQuietly(data);
            throw;
        }
    }

    private static void DeleteQuietly(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class BuiltModel(IDistributedApplicationTestingBuilder builder, string data) : IAsyncDisposable
    {
        public IResourceCollection Resources => builder.Resources;

        public async ValueTask DisposeAsync()
        {
            await builder.DisposeAsync();
            DeleteQuietly(data);
        }
    }
}
