using System.Diagnostics;
using AICO.Security;
using Xunit.Abstractions;

namespace AICO.LogStore.Tests;

/// <summary>
/// The data directory on a block device that starts answering EIO while a producer logs (root only, see
/// <see cref="FailingBlockDevice"/>): the real consumer process says it has an I/O error within 5 s instead of
/// looking healthy, does not crash, and once the device answers again stores every record with no gap.
/// </summary>
public class DiskIoErrorTests(ITestOutputHelper output)
{
    private const int Count = 8_000;

    [RootFact(NeedsLoopDevices = true)]
    public async Task A_data_disk_that_answers_EIO_turns_the_consumer_degraded_naming_the_IO_error_and_after_it_heals_every_record_is_stored()
    {
        FailingBlockDevice? disk = null;
        string? root = null;
        try
        {
            await using var pipeline = new PipelineFixture(data =>
            {
                root = Path.GetDirectoryName(data);
                disk = FailingBlockDevice.MountAt(data, 64L << 20);
            });
            var consumer = pipeline.StartConsumerProcess();
            using var health = new ConsumerProcessHealth(consumer);
            await pipeline.WaitForAsync(() => Status(health) == "Healthy", "the consumer healthy");

            var producer = pipeline.StartProducer(Components.Gateway, Count, startup: 0, ratePerSecond: 400);
            await pipeline.WaitForAsync(() => pipeline.Count("SELECT count(*) FROM logs WHERE module = 'Numbered'") >= 1_000, "records stored before the disk fails");

            disk!.Fail();
            var failing = Stopwatch.StartNew();
            var check = await health.DegradedWithin5SecondsAsync(failing);
            output.WriteLine($"Degraded {failing.Elapsed.TotalSeconds:0.0} s after the device failed: {check.Description}");
            Assert.Contains("I/O error", check.Description, StringComparison.Ordinal);
            Assert.Contains("log batch write failed", consumer.Output, StringComparison.Ordinal);
            Assert.False(consumer.Process.HasExited, consumer.Output);

            disk.Heal();
            await pipeline.WaitForAsync(() => Status(health) == "Healthy", "the consumer healthy after the disk answers again");
            Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, $"producer did not flush; output:\n{producer.Output}");

            var rows = pipeline.Numbered(Components.Gateway);
            Assert.Equal(Enumerable.Range(1, Count).Select(i => $"record {i}"), rows.Select(r => r.Message));
            // What `aico logs stat` reads: every producer's delivery accounting, without a gap.
            var statistics = pipeline.Database.Execute(LogStatistics.Read);
            Assert.All(statistics.Producers, p => Assert.Equal(0, p.Gaps));
            Assert.Equal(0, pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE '%were dropped while buffering'"));
            Assert.False(consumer.Process.HasExited, consumer.Output);
        }
        finally
        {
            disk?.Dispose();
            // The fixture could not remove the mount point while it was mounted.
            if (root is not null && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static string Status(ConsumerProcessHealth health) => health.LogConsumerCheckAsync().GetAwaiter().GetResult().Overall;
}
