using System.Security.Cryptography;
using AICO.Logging;
using AICO.Security;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

/// <summary>
/// Records bigger than one bus message allows (1 MiB), with the real broker, bus clients, consumer and encrypted file:
/// before, such a batch was refused by the client's bus limit on every attempt and resent forever, so nothing logged
/// after it ever arrived.
/// </summary>
public sealed class OversizeRecordTests : IAsyncLifetime
{
    private PipelineFixture _pipeline = null!;

    public Task InitializeAsync()
    {
        _pipeline = new PipelineFixture();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_batch_over_the_bus_limit_goes_out_in_smaller_ones_and_a_record_over_it_arrives_cut_and_says_so()
    {
        _pipeline.StartConsumerInProcess();
        var gateway = _pipeline.Client(Components.Gateway);
        using var provider = new BusLoggerProvider(new BusLoggingOptions());
        provider.Start(gateway);
        await gateway.WaitUntilAuthenticatedAsync(PipelineFixture.Timeout());
        var logger = provider.CreateLogger("AICO.Tests.Oversize");

        // Random text does not compress: 600 records of 4,000 characters are ~2.4 MB in one 512-record batch.
        for (var i = 1; i <= 600; i++)
        {
            logger.LogInformation("big {Number} {Text}", i, RandomText(4_000));
        }

        var huge = RandomText(3_000_000);
        logger.LogWarning("huge {Text}", huge);
        logger.LogInformation("after the big ones");

        Assert.True(await provider.FlushAsync(PipelineFixture.Deadline), "every record acknowledged");
        Assert.Equal(600, _pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE 'big %' AND length(message) > 4000"));
        Assert.Equal(1, _pipeline.Count("SELECT count(*) FROM logs WHERE message = 'after the big ones'"));
        var cut = _pipeline.Database.Execute(c => Sql.Column(c, "SELECT message FROM logs WHERE message LIKE 'huge %'")).Single();
        Assert.StartsWith("huge " + huge[..1000], cut, StringComparison.Ordinal);
        Assert.EndsWith(" more characters]", cut, StringComparison.Ordinal);
        Assert.True(cut.Length < 100_000, $"cut to {cut.Length} characters");
        Assert.Equal(1, _pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE 'huge %' AND extra ->> '$.cut_extra_bytes' > 3000000"));
        Assert.Equal(602, _pipeline.Count("SELECT count(DISTINCT sequence) FROM logs WHERE module = 'Oversize'"));
        Assert.Equal(0, _pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers WHERE component = 'gateway'"));
    }

    private static string RandomText(int characters) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(characters * 3 / 4 + 3))[..characters];
}
