using System.Net;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.Gateway.Tests;

/// <summary>A gateway over its own encrypted database (real SQLCipher file) seeded with known log rows.</summary>
public sealed class LogsFixture : IAsyncLifetime
{
    public const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    internal TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await TestGateway.StartAsync();
        var database = Gateway.App.Services.GetRequiredService<EncryptedDatabase>();
        string[] levels = ["DEBUG", "INFO", "WARNING", "ERROR", "INFO", "CRITICAL", "INFO", "WARNING", "INFO", "DEBUG"];
        database.Write((connection, transaction) =>
        {
            for (var i = 0; i < levels.Length; i++)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText =
                    "INSERT INTO logs (timestamp, level, subsystem, module, topic, message, trace_id, producer, sequence) " +
                    "VALUES ($ts, $level, $subsystem, 'm', $topic, $message, $trace, $producer, $seq)";
                var component = i % 2 == 0 ? "gateway" : "modelservice";
                command.Parameters.AddWithValue("$ts", AICO.LogStore.LogTimestamps.ToText(Start.AddMinutes(i)));
                command.Parameters.AddWithValue("$level", levels[i]);
                command.Parameters.AddWithValue("$subsystem", i < 5 ? "AICO.Gateway.Endpoints" : "Microsoft.AspNetCore.Hosting");
                command.Parameters.AddWithValue("$topic", $"logs/{component}/x");
                command.Parameters.AddWithValue("$message", i == 3 ? "disk 100% full_now" : $"message {i}");
                command.Parameters.AddWithValue("$trace", i is 2 or 3 ? TraceId : DBNull.Value);
                command.Parameters.AddWithValue("$producer", $"{component}/1234");
                command.Parameters.AddWithValue("$seq", i);
                command.ExecuteNonQuery();
            }

            return 0;
        });
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

public class LogsEndpointTests(LogsFixture fixture) : IClassFixture<LogsFixture>
{
    private HttpClient Http => fixture.Gateway.Http;

    private async Task<JsonElement> PageAsync(string query)
    {
        using var response = await Http.GetAsync("/api/v1/logs" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<string> Messages(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("message").GetString()!).ToList();

    [Theory]
    [InlineData("?level=warning", 4)]
    [InlineData("?level=ERROR", 2)]
    [InlineData("?component=modelservice", 5)]
    [InlineData("?subsystem=Microsoft.AspNetCore", 5)]
    [InlineData("?trace_id=" + LogsFixture.TraceId, 2)]
    [InlineData("?grep=100%25%20full_", 1)]
    [InlineData("?since=2026-01-01T12:03:00Z&until=2026-01-01T12:06:00Z", 3)]
    [InlineData("?level=info&component=gateway&since=2026-01-01T12:04:00Z", 3)]
    public async Task Filters_select_the_matching_rows(string query, int expected)
    {
        Assert.Equal(expected, Messages(await PageAsync(query)).Count);
    }

    [Fact]
    public async Task Cursor_paging_walks_every_row_once_newest_first()
    {
        var ids = new List<long>();
        var query = "?limit=3";
        while (true)
        {
            var page = await PageAsync(query);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            query = "?limit=3&cursor=" + page.GetProperty("nextCursor").GetInt64();
        }

        Assert.Equal(10, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(10, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("?level=loud", "level")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?since=yesterday-ish", "since")]
    [InlineData("?trace_id=xyz", "trace_id")]
    [InlineData("?cursor=-5", "cursor")]
    [InlineData("?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until")]
    public async Task Bad_query_values_are_400_naming_the_parameter(string query, string field)
    {
        using var response = await Http.GetAsync("/api/v1/logs" + query);

        await ProblemAssert.IsValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task Admin_log_stats_count_rows_per_level()
    {
        using var http = fixture.Gateway.WithToken(fixture.Gateway.Tokens.Issue("a", GatewayRoles.Admin, TimeSpan.FromMinutes(5)));

        using var response = await http.GetAsync("/api/v1/admin/logs/stats");

        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, json.GetProperty("rows").GetInt64());
        Assert.Equal(4, json.GetProperty("byLevel").GetProperty("INFO").GetInt64());
        Assert.Equal(5, json.GetProperty("byComponent").GetProperty("gateway").GetInt64());
    }

    [Fact]
    public async Task Admin_delete_needs_a_valid_before_and_the_admin_role()
    {
        using var user = fixture.Gateway.WithToken(fixture.Gateway.Tokens.Issue("u", GatewayRoles.User, TimeSpan.FromMinutes(5)));
        using var admin = fixture.Gateway.WithToken(fixture.Gateway.Tokens.Issue("a", GatewayRoles.Admin, TimeSpan.FromMinutes(5)));

        using var forbidden = await user.DeleteAsync("/api/v1/admin/logs?before=2000-01-01T00:00:00Z");
        using var missing = await admin.DeleteAsync("/api/v1/admin/logs");
        using var malformed = await admin.DeleteAsync("/api/v1/admin/logs?before=soon");

        await ProblemAssert.IsProblemAsync(forbidden, HttpStatusCode.Forbidden);
        await ProblemAssert.IsValidationProblemAsync(missing, "before");
        await ProblemAssert.IsValidationProblemAsync(malformed, "before");
    }
}

/// <summary>Deleting changes the data, so it runs on a gateway of its own.</summary>
public class LogsDeletionTests
{
    [Fact]
    public async Task Admin_delete_removes_exactly_the_rows_older_than_before()
    {
        var fixture = new LogsFixture();
        await fixture.InitializeAsync();
        try
        {
            using var admin = fixture.Gateway.WithToken(fixture.Gateway.Tokens.Issue("a", GatewayRoles.Admin, TimeSpan.FromMinutes(5)));

            using var response = await admin.DeleteAsync("/api/v1/admin/logs?before=2026-01-01T12:04:00Z");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(4, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("deleted").GetInt64());
            using var rest = await fixture.Gateway.Http.GetAsync("/api/v1/logs");
            Assert.Equal(6, JsonDocument.Parse(await rest.Content.ReadAsStringAsync()).RootElement.GetProperty("items").GetArrayLength());
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }
}
