using System.Net.Http.Headers;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Extensions.Logging;

namespace AICO.Cli.Tests;

/// <summary>
/// The same filters through `aico logs ls --json` (in-process) and GET /api/v1/logs (the real gateway process) on one
/// encrypted database give the same rows: one query and one meaning per filter behind both surfaces.
/// </summary>
[Collection(DataDirectoryVariableCollection.Name)]
public sealed class LogSurfacesAgreeTests(LogSurfacesFixture fixture) : IClassFixture<LogSurfacesFixture>, IDisposable
{
    private readonly string? _previousDataDir = SetDataDir(fixture.Paths.DataDirectory);

    private HttpClient Http => fixture.Http;

    public void Dispose() => SetDataDir(_previousDataDir);

    public static TheoryData<string[]> Filters => new()
    {
        new[] { "level", "warning" },
        new[] { "component", "gateway" },
        new[] { "component", "gate" },
        new[] { "subsystem", "Microsoft.AspNetCore" },
        new[] { "since", "2h" },
        new[] { "since", "3h", "until", "1h" },
        new[] { "trace_id", LogSurfacesFixture.TraceId.ToUpperInvariant() },
        new[] { "grep", "100% full_" },
        new[] { "grep", "RECORD 1" },
        new[] { "grep", "record", "limit", "3" },
        new[] { "grep", "arrival" },
        new[] { "level", "info", "component", "modelservice", "limit", "3" },
        new[] { "limit", "4" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_cli_and_the_api_return_the_same_rows_for_the_same_filters(string[] filter)
    {
        var pairs = filter.Chunk(2).Select(p => (Name: p[0], Value: p[1])).ToList();
        (string Name, string Value)[] limit = pairs.Any(p => p.Name == "limit") ? [] : [("limit", "1000")];

        var cliArgs = new List<string> { "logs", "ls", "--json" };
        foreach (var (name, value) in pairs.Concat(limit))
        {
            cliArgs.Add("--" + name.Replace('_', '-'));
            cliArgs.Add(value);
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(await CliApp.RunAsync([.. cliArgs], stdout, stderr) == 0, stderr.ToString());
        var cli = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Row(JsonDocument.Parse(line).RootElement, "trace_id"))
            .Reverse() // the CLI prints oldest first, the API answers newest first
            .ToList();

        var query = string.Join('&', pairs.Concat(limit).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value)));
        using var response = await Http.GetAsync("/api/v1/logs?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var api = JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().Select(item => Row(item, "traceId")).ToList();

        Assert.Equal(cli, api);
        if (filter is not ["component", "gate"])
        {
            Assert.NotEmpty(api);
        }
    }

    [Fact]
    public async Task Paging_the_api_with_its_cursor_yields_the_cli_listing_newest_first()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await CliApp.RunAsync(["logs", "ls", "--json", "--limit", "1000"], stdout, new StringWriter()));
        var cli = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetInt64()).Reverse().ToList();

        var paged = new List<long>();
        var query = "limit=7";
        while (true)
        {
            using var response = await Http.GetAsync("/api/v1/logs?" + query);
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            query = "limit=7&cursor=" + page.GetProperty("nextCursor").GetInt64();
        }

        Assert.Equal(31, cli.Count);
        Assert.Equal(cli, paged);
    }

    private static string Row(JsonElement row, string traceIdName) => string.Join('|',
        row.GetProperty("id").GetInt64(),
        row.GetProperty("timestamp").GetString(),
        row.GetProperty("level").GetString(),
        row.GetProperty("component").GetString(),
        row.GetProperty("subsystem").GetString(),
        row.GetProperty("module").GetString(),
        row.GetProperty("message").GetString(),
        row.GetProperty(traceIdName).ValueKind == JsonValueKind.Null ? "" : row.GetProperty(traceIdName).GetString());

    private static string? SetDataDir(string? value)
    {
        var previous = Environment.GetEnvironmentVariable(AicoPaths.DataDirVariable);
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, value);
        return previous;
    }
}

/// <summary>One real gateway process over a fresh installation, its database seeded beside it.</summary>
public sealed class LogSurfacesFixture : IAsyncLifetime
{
    public const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    private GatewayProcess _gateway = null!;

    public AicoPaths Paths { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Paths = GatewayProcess.NewInstallation();
        _gateway = await GatewayProcess.StartAsync(Paths);
        var token = new GatewayTokenIssuer(new MasterKeyStore(Paths).LoadDerivation().JwtSigningKey()).Issue("surfaces", GatewayRoles.Admin, TimeSpan.FromMinutes(10));
        Http = new HttpClient { BaseAddress = await _gateway.ListeningAddressAsync() };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Seed(new EncryptedDatabase(StorageOptions.FromKeyStore(Paths)), DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await _gateway.DisposeAsync();
    }

    /// <summary>
    /// 30 records 7 minutes apart back from now, over three components, every level, two subsystems; two in one trace,
    /// one with LIKE wildcards in its text. A broker record stored last but stamped oldest checks the shared time order.
    /// </summary>
    private static void Seed(EncryptedDatabase database, DateTimeOffset now)
    {
        string[] producers = ["gateway/aaaaaaaaaaaa", "modelservice/bbbbbbbbbbbb", "broker/cccccccccccc"];
        var batches = producers.Select(p => (Producer: p, Entries: new List<LogEntry>())).ToArray();
        for (var k = 29; k >= 0; k--)
        {
            batches[k % 3].Entries.Add(new LogEntry
            {
                Sequence = batches[k % 3].Entries.Count + 1,
                Timestamp = now.AddMinutes(-7 * k),
                Level = (LogLevel)(k % 6),
                Category = k % 2 == 0 ? "AICO.Gateway.Endpoints.Chat" : "Microsoft.AspNetCore.Hosting.Diagnostics",
                Message = k == 4 ? "disk 100% full_now" : $"record {k}",
                TraceId = k is 5 or 6 ? TraceId : null,
            });
        }

        var writer = new LogBatchWriter(database);
        writer.Write(batches.Select(b => new LogBatch(b.Producer, b.Entries)).ToList());
        // Grep reads the indexed rows through the search index and the late arrival (above the watermark) directly.
        while (new LogSearchIndexer(database).Step() > 0)
        {
        }

        writer.Write([new LogBatch("broker/dddddddddddd", [new LogEntry
        {
            Sequence = 1, Timestamp = now.AddHours(-5), Level = LogLevel.Warning, Category = "AICO.Broker.Program", Message = "late arrival",
        }])]);
    }
}
