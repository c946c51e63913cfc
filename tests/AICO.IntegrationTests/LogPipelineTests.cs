using System.Text.Json;
using AICO.Security;

namespace AICO.IntegrationTests;

/// <summary>
/// The log pipeline under the AppHost: each process's records, from its very first startup lines, reach the
/// encrypted database through the bus and the log consumer, and `aico logs ls --json` reads them back.
/// </summary>
[Collection(AicoAppCollection.Name)]
public class LogPipelineTests(AicoAppFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("broker")]
    [InlineData("gateway")]
    [InlineData("modelservice")]
    [InlineData("logconsumer")]
    public async Task Startup_lines_of_every_process_are_in_the_database_and_readable_with_aico_logs_ls(string component)
    {
        var deadline = DateTime.UtcNow + Deadline;
        List<JsonElement> records;
        while (true)
        {
            records = await AicoCliRunner.JsonLinesAsync(fixture, "logs", "ls", "--json", "--component", component, "--limit", "1000");
            if (records.Any(IsHostingStarted) && records.Any(r => Message(r) == $"AICO {component} starting with public key " + PublicKey(component)))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"startup lines of {component} not in the database after {Deadline.TotalSeconds} s; found {records.Count} records");
            await Task.Delay(500);
        }

        // The very first record each producer logged (sequence 1) is there: nothing from start-up was lost.
        var sequences = records.Select(r => r.GetProperty("sequence").GetInt64()).ToList();
        var byProducer = records.GroupBy(r => r.GetProperty("producer").GetString()).ToList();
        Assert.All(byProducer, g => Assert.StartsWith(component + "/", g.Key));
        Assert.Contains(1L, sequences);
    }

    private static bool IsHostingStarted(JsonElement record) =>
        record.GetProperty("subsystem").GetString() == "Microsoft.Hosting" && record.GetProperty("module").GetString() == "Lifetime";

    private static string? Message(JsonElement record) => record.GetProperty("message").GetString();

    private string PublicKey(string component) => new MasterKeyStore(fixture.Paths).LoadDerivation().CurveKeyPair(component).PublicKeyZ85;
}
