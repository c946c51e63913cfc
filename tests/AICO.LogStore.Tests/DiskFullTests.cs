using AICO.Security;

namespace AICO.LogStore.Tests;

/// <summary>
/// The data directory on a small tmpfs that this test mounts (root only), filled while a producer logs: the
/// consumer says why it cannot write instead of looking healthy, does not crash, and after the file system grows
/// stores every record. The producer's spool lives in the runtime directory, which is not on the small disk.
/// </summary>
public class DiskFullTests
{
    private const int Count = 20_000;

    [RootFact]
    public async Task A_full_data_disk_turns_the_consumer_degraded_with_the_reason_and_after_it_grows_every_record_is_stored()
    {
        string? mounted = null;
        try
        {
            await using var pipeline = new PipelineFixture(data =>
            {
                RootCommand.Run("mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", data);
                mounted = data;
            });
            var consumer = pipeline.StartConsumerProcess();
            using var health = new ConsumerProcessHealth(consumer);
            await pipeline.WaitForAsync(() => health.LogConsumerCheckAsync().GetAwaiter().GetResult().Status == "Healthy", "the consumer healthy");

            var producer = pipeline.StartProducer(Components.Gateway, Count, startup: 0, ratePerSecond: 400);
            await pipeline.WaitForAsync(() => pipeline.Count("SELECT count(*) FROM logs WHERE module = 'Numbered'") >= 1_000, "records stored before the disk fills");

            Fill(Path.Combine(mounted!, "filler"));
            var failureSeen = await ConsumerProcessHealth.WaitForLineAsync(consumer, "log batch write failed");
            var check = await health.DegradedWithin5SecondsAsync(failureSeen);
            Assert.Contains("full", check.Description, StringComparison.OrdinalIgnoreCase);
            Assert.False(consumer.Process.HasExited, consumer.Output);

            RootCommand.Run("mount", "-o", "remount,size=256m", mounted!);
            await pipeline.WaitForAsync(() => health.LogConsumerCheckAsync().GetAwaiter().GetResult().Status == "Healthy", "the consumer healthy after the disk grew");
            Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(150)) == 0, $"producer did not flush; output:\n{producer.Output}");

            var rows = pipeline.Numbered(Components.Gateway);
            Assert.Equal(Enumerable.Range(1, Count).Select(i => $"record {i}"), rows.Select(r => r.Message));
            Assert.Equal(0, pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers"));
            Assert.Equal(0, pipeline.Count("SELECT count(*) FROM logs WHERE message LIKE '%were dropped while buffering'"));
            Assert.False(consumer.Process.HasExited, consumer.Output);
        }
        finally
        {
            if (mounted is not null)
            {
                RootCommand.Run("umount", "-l", mounted);
                // The fixture could not remove the mount point while it was mounted.
                Directory.Delete(Path.GetDirectoryName(mounted)!, recursive: true);
            }
        }
    }

    /// <summary>Writes until the file system refuses (ENOSPC).</summary>
    private static void Fill(string path)
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }
}
