using AICO.Bus;
using AICO.Logging;

namespace AICO.Logging.Tests;

public class FlushGateTests
{
    [Theory]
    [InlineData("logconsumer", "logs/", true)]
    [InlineData("logconsumer", "", true)]
    [InlineData("logconsumer", "logs/gateway/", false)]
    [InlineData("logconsumer", "modelservice/", false)]
    [InlineData("gateway", "logs/", false)]
    public void The_consumer_counts_only_when_it_is_subscribed_to_every_log_topic(string component, string subscription, bool expected)
    {
        var status = new BrokerStatus([new BrokerClientStatus(component, "id", [subscription], 0, 0, 0, 0)], 0, 0);
        Assert.Equal(expected, LogTopics.ConsumerSubscribed(status));
    }

    [Fact]
    public void No_clients_means_no_consumer()
    {
        Assert.False(LogTopics.ConsumerSubscribed(new BrokerStatus([], 0, 0)));
    }

    [Theory]
    [InlineData("AICO.Bus", true)]
    [InlineData("AICO.Bus.BusClient", true)]
    [InlineData("AICO.Logging.LogShipper", true)]
    [InlineData("AICO.LogStore.LogWriter", true)]
    [InlineData("AICO.Business", false)]
    [InlineData("AICO.Gateway.ChatEndpoints", false)]
    [InlineData("Microsoft.Hosting.Lifetime", false)]
    public void Bus_and_logging_categories_never_go_through_the_bus_logger(string category, bool infrastructure)
    {
        Assert.Equal(infrastructure, BusLoggerProvider.IsInfrastructureCategory(category));
        using var provider = new BusLoggerProvider(new BusLoggingOptions());
        Assert.Equal(!infrastructure, provider.CreateLogger(category).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Critical));
    }
}
