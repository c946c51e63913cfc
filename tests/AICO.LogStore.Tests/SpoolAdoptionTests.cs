using AICO.Logging.Pipeline;
using AICO.Security;

namespace AICO.LogStore.Tests;

/// <summary>
/// Real processes: a producer killed (SIGKILL) while the consumer is away leaves its encrypted spool behind; the next
/// process of the same component adopts it and delivers it under the dead producer's id and sequence numbers.
/// </summary>
public class SpoolAdoptionTests
{
    [Fact]
    public async Task A_spool_left_by_a_killed_producer_is_adopted_by_the_next_process_of_its_component_and_stored_without_gaps()
    {
        await using var pipeline = new PipelineFixture();

        // No consumer: the first producer's records go to its spool; it is killed with them there.
        var first = pipeline.StartProducer(Components.Gateway, 6_000, startup: 0, ratePerSecond: 3_000);
        ProducerPipelineState? spooled = null;
        await pipeline.WaitForAsync(
            () => (spooled = PipelineStateFiles.ReadAll(pipeline.Paths.RuntimeDirectory).FirstOrDefault(s => s.SpooledRecords >= 3_000)) is not null,
            "3,000 records in the first producer's spool");
        first.Kill();
        await first.WaitForExitAsync();
        var orphan = PipelineStateFiles.ProducerDirectory(pipeline.Paths.RuntimeDirectory, spooled!.Producer);
        Assert.NotEmpty(Directory.GetFiles(orphan, "*.spool"));

        // A producer of another component must not take it (the broker would refuse its records in the gateway's name).
        var other = pipeline.StartProducer(Components.ModelService, 10, startup: 0);
        pipeline.StartConsumerProcess();
        Assert.True(await other.WaitForExitAsync(PipelineFixture.Deadline) == 0, other.Output);
        Assert.NotEmpty(Directory.GetFiles(orphan, "*.spool"));

        var next = pipeline.StartProducer(Components.Gateway, 10, startup: 0);
        Assert.True(await next.WaitForExitAsync(PipelineFixture.Deadline) == 0, next.Output);
        Assert.Contains("adopted the log spool of " + spooled.Producer, next.Output, StringComparison.Ordinal);

        // Stored as the dead producer's records, 1..n without a hole, at least as many as its last state reported.
        var rows = pipeline.Count($"SELECT count(*) FROM logs WHERE {LogQuery.ProducerOfRow} = '{spooled.Producer}'");
        var last = pipeline.Count($"SELECT max(sequence) FROM logs WHERE {LogQuery.ProducerOfRow} = '{spooled.Producer}'");
        Assert.True(rows >= spooled.SpooledRecords, $"{rows} records of {spooled.Producer} stored, its spool held {spooled.SpooledRecords}");
        Assert.Equal(last, rows);
        Assert.Equal(1, pipeline.Count($"SELECT min(sequence) FROM logs WHERE {LogQuery.ProducerOfRow} = '{spooled.Producer}'"));
        Assert.Equal(0, pipeline.Count("SELECT coalesce(sum(gaps), 0) FROM log_producers"));
        Assert.False(Directory.Exists(orphan), "the adopted spool is deleted once delivered");
    }
}
