using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.IntegrationTests;

/// <summary>The gateway inside the whole app: HTTP -> gateway -> broker -> model service (-> fake Ollama) and back.</summary>
[Collection(AicoAppCollection.Name)]
public class GatewayEndToEndTests(AicoAppFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private HttpClient Gateway() => fixture.App.CreateHttpClient("gateway", "http");

    /// <summary>A client with a user-role token from the installation's key store, as `aico gateway token` issues it.</summary>
    private HttpClient UserGateway()
    {
        var http = Gateway();
        var issuer = new GatewayTokenIssuer(new MasterKeyStore(fixture.Paths).LoadDerivation().JwtSigningKey());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue("it", GatewayRoles.User, TimeSpan.FromMinutes(10)));
        return http;
    }

    [Fact]
    public async Task Embeddings_come_back_from_the_model_service_through_the_gateway()
    {
        using var http = UserGateway();
        using var response = await http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { "hello", "world" } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(384, json.GetProperty("dimensions").GetInt32());
        Assert.Equal(2, json.GetProperty("vectors").GetArrayLength());
    }

    [Fact]
    public async Task Chat_reaches_the_configured_Ollama_endpoint_through_gateway_bus_and_model_service()
    {
        using var http = UserGateway();
        using var response = await http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "end to end" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("Echo: end to end", JsonDocument.Parse(body).RootElement.GetProperty("content").GetString());
        Assert.Contains(fixture.Ollama.Requests, r => r.ToJsonString().Contains("end to end"));
    }

    [Fact]
    public async Task One_trace_id_spans_the_gateway_the_bus_and_the_model_service()
    {
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();
        using var http = UserGateway();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embeddings") { Content = JsonContent.Create(new { input = new[] { "traced" } }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Both processes' records of this request reach the database through the log pipeline carrying the caller's
        // trace id: the W3C context travelled HTTP -> gateway -> bus envelope -> model service handler.
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var records = await AicoCliRunner.JsonLinesAsync(fixture, "logs", "ls", "--json", "--trace-id", traceId, "--limit", "100");
            var producers = records.Select(r => r.GetProperty("producer").GetString() ?? "").ToList();
            if (producers.Any(p => p.StartsWith("gateway/", StringComparison.Ordinal))
                && producers.Any(p => p.StartsWith("modelservice/", StringComparison.Ordinal)))
            {
                Assert.All(records, r => Assert.Equal(traceId, r.GetProperty("trace_id").GetString()));
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"records of trace {traceId} from gateway and modelservice not in the database after {Deadline.TotalSeconds} s; producers: {string.Join(", ", producers)}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Admin_endpoints_answer_401_without_a_token_403_for_a_user_and_200_for_an_admin()
    {
        var issuer = new GatewayTokenIssuer(new MasterKeyStore(fixture.Paths).LoadDerivation().JwtSigningKey());
        using var http = Gateway();

        using var anonymous = await http.GetAsync("/api/v1/admin/bus");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue("u", GatewayRoles.User, TimeSpan.FromMinutes(5)));
        using var user = await http.GetAsync("/api/v1/admin/bus");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue("a", GatewayRoles.Admin, TimeSpan.FromMinutes(5)));
        using var admin = await http.GetAsync("/api/v1/admin/bus");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        var body = await admin.Content.ReadAsStringAsync();
        Assert.True(admin.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("modelservice", body);
    }
}
