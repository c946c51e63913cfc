using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AICO.Gateway.Auth;

namespace AICO.Gateway.Tests;

/// <summary>A gateway with a small rate limit, one extra host name and one CORS origin configured.</summary>
public sealed class RestrictedGatewayFixture : IAsyncLifetime
{
    public const string AllowedHost = "companion.lan";
    public const string AllowedOrigin = "http://app.companion.lan";
    public const int Permits = 3;

    internal TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await TestGateway.StartAsync(null, null,
        $"--Gateway:RateLimitPermits={Permits}", "--Gateway:RateLimitWindow=00:10:00",
        $"--Gateway:AllowedHosts:0={AllowedHost}", $"--Gateway:CorsOrigins:0={AllowedOrigin}");

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>
/// The API is private by default: every endpoint but health needs a token with the right role, a foreign Host
/// header (DNS rebinding) is refused, cross-origin browsers get no CORS grant, and each token is rate limited.
/// </summary>
public class ApiAccessTests(GatewayFixture fixture, RestrictedGatewayFixture restricted) : IClassFixture<GatewayFixture>, IClassFixture<RestrictedGatewayFixture>
{
    private TestGateway Gateway => fixture.Gateway;

    public static TheoryData<string, string> UserEndpoints => new()
    {
        { "POST", "/api/v1/chat" },
        { "POST", "/api/v1/embeddings" },
    };

    public static TheoryData<string, string> AdminEndpoints => new()
    {
        { "GET", "/api/v1/logs" },
        { "GET", "/api/v1/admin/logs/stats" },
        { "GET", "/api/v1/admin/bus" },
    };

    [Theory]
    [MemberData(nameof(UserEndpoints))]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Without_a_token_every_endpoint_but_health_answers_401_problem(string method, string path)
    {
        using var response = await Gateway.Anonymous.SendAsync(Request(method, path));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Health_stays_anonymous()
    {
        using var response = await Gateway.Anonymous.GetAsync("/api/v1/health");

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"checks\"", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task A_user_token_is_403_problem_on_logs_and_admin(string method, string path)
    {
        using var http = Gateway.WithToken(Gateway.Tokens.Issue("someone", GatewayRoles.User, TimeSpan.FromHours(1)));

        using var response = await http.SendAsync(Request(method, path));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_user_token_may_embed()
    {
        using var http = Gateway.WithToken(Gateway.Tokens.Issue("someone", GatewayRoles.User, TimeSpan.FromHours(1)));

        using var response = await http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { "hello" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:8771")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task A_foreign_Host_header_is_refused_before_any_endpoint_runs(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        request.Headers.Host = host;

        using var response = await Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("checks", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Localhost_and_a_configured_host_name_are_accepted()
    {
        foreach (var host in new[] { "localhost", RestrictedGatewayFixture.AllowedHost })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
            request.Headers.Host = host;

            using var response = await restricted.Gateway.Anonymous.SendAsync(request);

            Assert.Contains("\"checks\"", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Without_configured_origins_a_cross_origin_preflight_gets_no_grant()
    {
        using var response = await Gateway.Anonymous.SendAsync(Preflight("http://evil.example"));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_is_granted_and_another_is_not()
    {
        using var allowed = await restricted.Gateway.Anonymous.SendAsync(Preflight(RestrictedGatewayFixture.AllowedOrigin));
        using var other = await restricted.Gateway.Anonymous.SendAsync(Preflight("http://evil.example"));

        Assert.Equal(RestrictedGatewayFixture.AllowedOrigin, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Past_its_limit_a_token_gets_429_problem_with_Retry_After_while_another_token_still_passes()
    {
        using var first = restricted.Gateway.WithToken(restricted.Gateway.Tokens.Issue("busy", GatewayRoles.Admin, TimeSpan.FromHours(1)));
        for (var i = 0; i < RestrictedGatewayFixture.Permits; i++)
        {
            using var ok = await first.GetAsync("/api/v1/admin/logs/stats");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await first.GetAsync("/api/v1/admin/logs/stats");
        using var second = restricted.Gateway.WithToken(restricted.Gateway.Tokens.Issue("other", GatewayRoles.Admin, TimeSpan.FromHours(1)));
        using var fresh = await second.GetAsync("/api/v1/admin/logs/stats");

        await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method == "POST" ? JsonContent.Create(new { input = new[] { "x" } }) : null,
    };

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/chat");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }
}
