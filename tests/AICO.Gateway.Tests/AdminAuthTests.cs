using System.Net;
using System.Text.Json;
using AICO.Gateway.Auth;

namespace AICO.Gateway.Tests;

public class AdminAuthTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Without_a_token_admin_endpoints_answer_401_problem()
    {
        using var response = await Gateway.Anonymous.GetAsync("/api/v1/admin/bus");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        var foreign = new GatewayTokenIssuer(new byte[32]).Issue("mallory", GatewayRoles.Admin, TimeSpan.FromHours(1));
        using var http = Gateway.WithToken(foreign);

        using var response = await http.GetAsync("/api/v1/admin/bus");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var expired = Gateway.Tokens.Issue("admin", GatewayRoles.Admin, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddHours(-2));
        using var http = Gateway.WithToken(expired);

        using var response = await http.GetAsync("/api/v1/admin/bus");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_token_is_403_on_admin_endpoints()
    {
        using var http = Gateway.WithToken(Gateway.Tokens.Issue("someone", GatewayRoles.User, TimeSpan.FromHours(1)));

        using var response = await http.PostAsync("/api/v1/admin/shutdown", null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_token_shuts_the_gateway_down_gracefully_with_202()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = gateway.WithToken(gateway.Tokens.Issue("admin", GatewayRoles.Admin, TimeSpan.FromHours(1)));

        using var response = await http.PostAsync("/api/v1/admin/shutdown", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("stopping", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        await gateway.Run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(File.Exists(gateway.Files.PidFile));
    }
}
