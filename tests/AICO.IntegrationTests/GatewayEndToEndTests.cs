using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Security;
using AICO.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.IntegrationTests;

/// <summary>The gateway inside the whole app: HTTP -> gateway -> broker -> model service (-> fake Ollama) and back.</summary>
[Collection(AicoAppCollection.Name)]
public class GatewayEndToEndTests(AicoAppFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private HttpClient Gateway() => fixture.App.CreateHttpClient("gateway", "http");

    [Fact]
    public async Task Embeddings_come_back_from_the_model_service_through_the_gateway()
    {
        using var http = Gateway();
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
        using var http = Gateway();
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
        using var http = Gateway();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embeddings") { Content = JsonContent.Create(new { input = new[] { "traced" } }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01");

        // Watch before sending: the resource log stream may not replay lines written before the watch began.
        var gatewayLine = WaitForLogLineAsync("gateway", $"trace {traceId}");
        var modelServiceLine = WaitForLogLineAsync("modelservice", $"trace {traceId}");
        await Task.Delay(TimeSpan.FromSeconds(1));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await gatewayLine;
        await modelServiceLine;
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

    private async Task WaitForLogLineAsync(string resource, string text)
    {
        var logs = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var target = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        using var timeout = new CancellationTokenSource(Deadline);
        var related = new List<string>();
        try
        {
            await foreach (var batch in logs.WatchAsync(target).WithCancellation(timeout.Token))
            {
                if (batch.Any(line => line.Content.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                related.AddRange(batch.Select(l => l.Content).Where(c => c.Contains("trace ", StringComparison.Ordinal)));
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Fail($"no log line of {resource} contains '{text}' within {Deadline.TotalSeconds} s; lines with a trace: {string.Join(" | ", related.TakeLast(5))}");
    }
}
