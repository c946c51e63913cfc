using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace AICO.Gateway.Tests;

/// <summary>Bad input is a 4xx ProblemDetails that names the field and the reason, never a 500.</summary>
public class BadInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private HttpClient Http => fixture.Gateway.Http;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("/api/v1/chat", "{\"messages\": [")]
    [InlineData("/api/v1/chat", "not json at all")]
    [InlineData("/api/v1/embeddings", "{\"input\": [1, 2}")]
    public async Task Malformed_JSON_is_400_not_500(string path, string body)
    {
        using var response = await Http.PostAsync(path, Json(body));

        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON", json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_400_naming_the_field()
    {
        using var response = await Http.PostAsync("/api/v1/embeddings", Json("{\"input\": \"not an array\"}"));

        Assert.Contains("JSON", await ProblemAssert.IsValidationProblemAsync(response, "input"));
    }

    [Theory]
    [InlineData("/api/v1/chat", "{}", "messages")]
    [InlineData("/api/v1/chat", "{\"messages\": []}", "messages")]
    [InlineData("/api/v1/chat", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "messages[0].role")]
    [InlineData("/api/v1/chat", "{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content")]
    [InlineData("/api/v1/embeddings", "{}", "input")]
    [InlineData("/api/v1/embeddings", "{\"input\": [\"ok\", \"\"]}", "input[1]")]
    public async Task Missing_or_invalid_fields_are_400_with_the_field_and_reason(string path, string body, string field)
    {
        using var response = await Http.PostAsync(path, Json(body));

        Assert.False(string.IsNullOrWhiteSpace(await ProblemAssert.IsValidationProblemAsync(response, field)));
    }

    [Fact]
    public async Task An_empty_body_is_400()
    {
        using var response = await Http.PostAsync("/api/v1/embeddings", Json(""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var big = new string('a', 2 * 1024 * 1024);
        using var response = await Http.PostAsJsonAsync("/api/v1/embeddings", new { input = new[] { big } });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var response = await Http.GetAsync("/api/v1/nothing-here");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }
}
