using System.Security.Cryptography;
using AICO.Security;

namespace AICO.LogStore.Tests;

/// <summary>
/// The real consumer process against a database it cannot write: it stays up, says why within 5 s (Degraded, not a
/// healthy face and not a crash) and stores nothing a producer would then believe delivered. Disk full: DiskFullTests.
/// </summary>
public class ConsumerDegradedTests
{
    [Fact]
    public async Task A_database_key_that_does_not_open_the_database_makes_the_consumer_degraded_with_the_reason_within_5_s()
    {
        await using var pipeline = new PipelineFixture();
        var producer = pipeline.StartProducer(Components.Gateway, 50, startup: 0);
        // Its own keys injected as the AppHost does, except the database key, which is not this installation's.
        var derivation = new MasterKeyStore(pipeline.Paths).LoadDerivation();
        var consumer = pipeline.StartConsumerProcess(new Dictionary<string, string>
        {
            [Env(ComponentKeys.SecretKeySetting)] = derivation.CurveKeyPair(Components.LogConsumer).SecretKeyZ85,
            [Env(ComponentKeys.BrokerPublicKeySetting)] = derivation.CurveKeyPair(Components.Broker).PublicKeyZ85,
            [Env(ComponentKeys.DatabaseKeySetting)] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
        });
        using var health = new ConsumerProcessHealth(consumer);

        var failureSeen = await ConsumerProcessHealth.WaitForLineAsync(consumer, "database not writable");
        var check = await health.DegradedWithin5SecondsAsync(failureSeen);

        Assert.Contains("key does not match", check.Description, StringComparison.Ordinal);
        Assert.False(consumer.Process.HasExited, consumer.Output);
        // It never subscribed, so the producer's gate stayed closed: its records wait, none was acknowledged.
        Assert.DoesNotContain("log consumer subscribed", consumer.Output, StringComparison.Ordinal);
        Assert.False(producer.Process.HasExited, producer.Output);
        Assert.Equal(0, pipeline.Count("SELECT count(*) FROM logs"));
    }

    private static string Env(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);
}
