using AICO.Security;

namespace AICO.LogStore.Tests;

/// <summary>The real AICO.LogConsumer host refuses to start on a bad setting (its own, the bus client's, the bus logger's), and says which one.</summary>
public sealed class LogConsumerSettingsTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public LogConsumerSettingsTests() => new MasterKeyStore(_temp.Paths).Create(force: false);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("LogConsumer__RetentionMaxRows", "0", "LogConsumer:RetentionMaxRows must be between 1 and")]
    [InlineData("LogConsumer__QueueCapacity", "-5", "LogConsumer:QueueCapacity must be between 1 and")]
    [InlineData("LogConsumer__RetentionMaxAgee", "7.00:00:00", "RetentionMaxAgee")]
    [InlineData("LogConsumer__RetentionMaxAge", "a month", "LogConsumer:RetentionMaxAge")]
    [InlineData("Bus__WelcomeTimeot", "00:00:05", "Bus:WelcomeTimeot is not a bus setting")]
    [InlineData("Bus__HeartbeatMisses", "0", "Bus:HeartbeatMisses must be between 1 and")]
    [InlineData("Bus__Permissions__gateway__Subscibe__0", "replies/", "Bus:Permissions:gateway:Subscibe is not a permission list")]
    [InlineData("Logging__Bus__BufferCapacity", "0", "Logging:Bus:BufferCapacity must be between 1 and")]
    public async Task A_misspelled_or_out_of_range_setting_stops_the_consumer_at_start_naming_the_setting(string variable, string value, string named)
    {
        await using var consumer = TestProcess.Start(TestProcess.Built("services", "AICO.LogConsumer"), [], new Dictionary<string, string>
        {
            [AicoPaths.DataDirVariable] = _temp.Paths.DataDirectory,
            ["Bus__Endpoint"] = "tcp://127.0.0.1:9",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            [variable] = value,
        });

        var exit = await consumer.WaitForExitAsync();

        Assert.NotEqual(0, exit);
        Assert.True(consumer.Output.Contains(named, StringComparison.Ordinal), consumer.Output);
    }
}
