using AICO.Logging;
using AICO.Logging.Pipeline;
using AICO.Security;

namespace AICO.LogStore.Tests;

/// <summary>
/// Real processes (broker in this process, consumer and producers as processes): a consumer outage far longer than
/// memory can bridge. The longest test of the suite (about 2.5 minutes); it runs beside the others.
/// </summary>
public class LongOutageTests
{
    private const int Rate = 1_000;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_producers_at_1000_records_a_second_through_a_120_second_consumer_outage_lose_nothing_and_stay_bounded_in_memory()
    {
        await using var pipeline = new PipelineFixture();
        var consumer = pipeline.StartConsumerProcess();
        await WaitForConsumerAsync(pipeline, subscribed: true);

        // 10 s before the outage, 120 s of outage, 10 s after it.
        const int count = Rate * 140;
        var producers = new[] { Components.Gateway, Components.ModelService }
            .ToDictionary(c => c, c => pipeline.StartProducer(c, count, startup: 0, ratePerSecond: Rate));
        await pipeline.WaitForAsync(() => pipeline.Count("SELECT count(*) FROM logs WHERE module = 'Numbered'") >= 2 * Rate * 5, "records flowing before the outage");

        consumer.Kill();
        var outageEnds = DateTime.UtcNow + Outage;
        await WaitForConsumerAsync(pipeline, subscribed: false);

        // Sample the producers while the consumer is away: records in memory stay bounded (the rest is on disk)
        // and so does each process's resident memory.
        var firstRss = new Dictionary<int, long>();
        var maxRss = new Dictionary<int, long>();
        long maxInMemory = 0, maxSpooled = 0;
        var sampleFrom = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < outageEnds)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            foreach (var state in PipelineStateFiles.ReadAll(pipeline.Paths.RuntimeDirectory))
            {
                maxInMemory = Math.Max(maxInMemory, state.BufferedRecords + state.UnacknowledgedRecords);
                maxSpooled = Math.Max(maxSpooled, state.SpooledRecords);
            }

            if (DateTime.UtcNow < sampleFrom)
            {
                continue;
            }

            foreach (var producer in producers.Values.Where(p => !p.Process.HasExited))
            {
                var rss = ResidentBytes(producer.Process.Id);
                firstRss.TryAdd(producer.Process.Id, rss);
                maxRss[producer.Process.Id] = Math.Max(maxRss.GetValueOrDefault(producer.Process.Id), rss);
            }
        }

        pipeline.StartConsumerProcess();
        foreach (var (component, producer) in producers)
        {
            Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(180)) == 0, $"{component} did not flush; output:\n{producer.Output}");
        }

        Assert.True(maxSpooled > 50 * Rate, $"at most {maxSpooled} records were in a spool during a {Outage.TotalSeconds} s outage");
        Assert.True(maxInMemory <= 10_000, $"{maxInMemory} records were held in memory by one producer");
        foreach (var (pid, first) in firstRss)
        {
            var growth = maxRss[pid] - first;
            Assert.True(growth < 48L * 1024 * 1024, $"producer {pid} grew by {growth / 1024 / 1024} MiB during the outage (from {first / 1024 / 1024} MiB)");
        }

        foreach (var component in producers.Keys)
        {
            var rows = pipeline.Numbered(component);
            Assert.Equal(count, rows.Count);
            Assert.Equal(Enumerable.Range(1, count).Select(i => $"record {i}"), rows.Select(r => r.Message));
            Assert.Equal(rows[0].Sequence + count - 1, rows[^1].Sequence);
        }

        Assert.Equal(0, pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE '%were dropped while buffering'"));
        Assert.Equal(0, pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers"));
    }

    private static async Task WaitForConsumerAsync(PipelineFixture pipeline, bool subscribed) =>
        await pipeline.WaitForAsync(
            () => LogTopics.ConsumerSubscribed(pipeline.Broker.GetStatusAsync().GetAwaiter().GetResult()) == subscribed,
            subscribed ? "the consumer subscribed" : "the consumer gone from the broker");

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
