namespace AICO.Gateway.Tests;

/// <summary>The real AICO.Gateway process refuses to start on a bad Gateway setting, and says which one.</summary>
public sealed class GatewaySettingsTests
{
    [Theory]
    [InlineData("Gateway__ChatTimeot", "00:00:30", "ChatTimeot")]
    [InlineData("Gateway__ChatTimeout", "00:00:00", "Gateway:ChatTimeout must be between 00:00:01 and")]
    [InlineData("Gateway__RateLimitPermits", "many", "Gateway:RateLimitPermits")]
    [InlineData("Gateway__MaxRequestBodyBytes", "0", "Gateway:MaxRequestBodyBytes must be between 1 and")]
    [InlineData("Gateway__ShutdownPollInterval", "00:05:00", "Gateway:ShutdownPollInterval must be between")]
    public async Task A_misspelled_or_out_of_range_setting_stops_the_gateway_at_start_naming_the_setting(string variable, string value, string named)
    {
        var paths = GatewayProcess.NewInstallation();
        try
        {
            var environment = GatewayProcess.Environment(paths);
            environment[variable] = value;
            await using var gateway = TestProcess.Start(TestProcess.Built("services", "AICO.Gateway"), [], environment);

            var exit = await gateway.WaitForExitAsync();

            Assert.NotEqual(0, exit);
            Assert.True(gateway.Output.Contains(named, StringComparison.Ordinal), gateway.Output);
        }
        finally
        {
            Directory.Delete(paths.DataDirectory, recursive: true);
        }
    }
}
