using System.Reflection;
using System.Text.Json;
using AICO.Gateway.Endpoints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.Gateway.Tests;

/// <summary>
/// /openapi/v1.json describes exactly the routes the app serves: one operation per /api/v1 endpoint and no other,
/// the query/route parameters and the request body the handler declares, and the bearer requirement on exactly the
/// endpoints that require authorization. Expectations come from the endpoints' own metadata and handler signatures.
/// </summary>
public class OpenApiDocumentTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly Type[] SimpleTypes = [typeof(string), typeof(int), typeof(long), typeof(bool), typeof(DateTimeOffset), typeof(DateTime), typeof(Guid)];

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await fixture.Gateway.Http.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private IReadOnlyList<RouteEndpoint> ApiEndpoints() => fixture.Gateway.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal))
        .ToList();

    private static IEnumerable<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => m.ToLowerInvariant());

    [Fact]
    public async Task Every_api_endpoint_has_one_operation_and_there_are_no_others()
    {
        var doc = await DocumentAsync();
        var expected = ApiEndpoints().SelectMany(e => Methods(e).Select(m => $"{m} {e.RoutePattern.RawText}")).Order().ToList();
        var actual = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name} {p.Name}")).Order().ToList();

        Assert.Equal(expected, actual);
        Assert.Contains("post /api/v1/chat", actual);
        Assert.Contains("get /api/v1/admin/bus", actual);
    }

    [Fact]
    public async Task Each_operation_has_exactly_the_parameters_and_request_body_its_handler_declares()
    {
        var doc = await DocumentAsync();
        foreach (var endpoint in ApiEndpoints())
        {
            var handler = endpoint.Metadata.GetMetadata<MethodInfo>()!;
            var declared = handler.GetParameters().Where(IsQueryOrRoute).Select(ParameterName).Order().ToList();
            var bodyType = handler.GetParameters().SingleOrDefault(p => p.GetCustomAttribute<FromBodyAttribute>() is not null)?.ParameterType;

            foreach (var method in Methods(endpoint))
            {
                var operation = doc.GetProperty("paths").GetProperty(endpoint.RoutePattern.RawText!).GetProperty(method);
                var documented = operation.TryGetProperty("parameters", out var ps)
                    ? ps.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order().ToList()
                    : [];
                Assert.True(declared.SequenceEqual(documented), $"{method} {endpoint.RoutePattern.RawText}: declared [{string.Join(",", declared)}], documented [{string.Join(",", documented)}]");

                var hasBody = operation.TryGetProperty("requestBody", out var body);
                Assert.Equal(bodyType is not null, hasBody);
                if (bodyType is not null)
                {
                    var schemaRef = body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
                    Assert.Equal($"#/components/schemas/{bodyType.Name}", schemaRef);
                    Assert.True(body.GetProperty("required").GetBoolean());
                }
            }
        }
    }

    [Fact]
    public async Task Exactly_the_endpoints_that_require_authorization_carry_the_bearer_requirement()
    {
        var doc = await DocumentAsync();
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty(BearerSecurityTransformer.SchemeName).GetProperty("scheme").GetString());

        var secured = 0;
        foreach (var endpoint in ApiEndpoints())
        {
            var requiresAuth = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any();
            foreach (var method in Methods(endpoint))
            {
                var operation = doc.GetProperty("paths").GetProperty(endpoint.RoutePattern.RawText!).GetProperty(method);
                var bearer = operation.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty(BearerSecurityTransformer.SchemeName, out _));
                Assert.True(requiresAuth == bearer, $"{method} {endpoint.RoutePattern.RawText}: requires auth {requiresAuth}, documented bearer {bearer}");
                secured += bearer ? 1 : 0;
            }
        }

        Assert.True(secured >= 2, "the admin endpoints must be documented as secured");
    }

    [Fact]
    public async Task Every_operation_but_health_requires_a_bearer_token()
    {
        var doc = await DocumentAsync();
        var open = new List<string>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var bearer = operation.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty(BearerSecurityTransformer.SchemeName, out _));
                if (!bearer)
                {
                    open.Add($"{operation.Name} {path.Name}");
                }
            }
        }

        Assert.Equal(["get /api/v1/health"], open);
    }

    [Fact]
    public async Task Streaming_chat_is_documented_as_an_event_stream_beside_json()
    {
        var content = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/chat").GetProperty("post")
            .GetProperty("responses").GetProperty("200").GetProperty("content");

        Assert.True(content.TryGetProperty("application/json", out _));
        Assert.True(content.TryGetProperty("text/event-stream", out _));
    }

    private static bool IsQueryOrRoute(ParameterInfo p) =>
        p.GetCustomAttribute<FromQueryAttribute>() is not null
        || p.GetCustomAttribute<FromRouteAttribute>() is not null
        || (p.GetCustomAttribute<FromServicesAttribute>() is null && p.GetCustomAttribute<FromBodyAttribute>() is null
            && SimpleTypes.Contains(Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType));

    private static string ParameterName(ParameterInfo p) =>
        p.GetCustomAttribute<FromQueryAttribute>()?.Name ?? p.GetCustomAttribute<FromRouteAttribute>()?.Name ?? p.Name!;
}
