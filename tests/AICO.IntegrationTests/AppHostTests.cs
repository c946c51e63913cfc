using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using AICO.Security;

namespace AICO.IntegrationTests;

[Collection(AicoAppCollection.Name)]
public class AppHostTests(AicoAppFixture fixture)
{
    [Theory]
    [InlineData("broker")]
    [InlineData("logconsumer")]
    [InlineData("modelservice")]
    [InlineData("gateway")]
    public async Task Every_resource_reports_healthy_on_its_health_endpoint(string resource)
    {
        using var http = fixture.App.CreateHttpClient(resource, "http");
        using var response = await http.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal("Healthy", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void The_AppHost_created_the_key_store_in_the_data_directory_it_was_given()
    {
        var store = new MasterKeyStore(fixture.Paths);
        Assert.True(store.Exists);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, store.FileMode);
    }

    [Fact]
    public void Keys_reach_the_processes_as_secret_parameters()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameters = model.Resources.OfType<ParameterResource>().ToDictionary(p => p.Name);

        foreach (var component in new[] { "broker", "gateway", "modelservice", "logconsumer" })
        {
            Assert.True(parameters[$"{component}-secret-key"].Secret, $"{component}-secret-key must be secret");
        }

        Assert.True(parameters["database-key"].Secret);
        Assert.True(parameters["jwt-signing-key"].Secret);
        Assert.False(parameters["broker-public-key"].Secret);
    }
}
