using System.Net;
using System.Text.Json;

namespace AICO.Gateway.Tests;

internal static class ProblemAssert
{
    /// <summary>Asserts a ProblemDetails response with <paramref name="status"/> and returns its JSON.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()));
        return json;
    }

    /// <summary>Asserts a 400 ValidationProblem naming <paramref name="field"/>.</summary>
    public static async Task<string> IsValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var json = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = json.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var reasons), $"no error for '{field}' in {errors}");
        return reasons[0].GetString()!;
    }
}
