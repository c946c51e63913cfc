using System.Security.Cryptography;
using AICO.Logging.Pipeline;
using AICO.Logging.Spool;

namespace AICO.Logging.Tests;

/// <summary>Spools left behind by processes that are gone: who may take them over, and what is read back from them.</summary>
public sealed class AdoptedSpoolTests : IDisposable
{
    private readonly string _runtime = Path.Combine(Path.GetTempPath(), "aico-adopt-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_spool_whose_owner_still_has_it_open_cannot_be_adopted()
    {
        var directory = Spool("gateway-0123456789ab");
        using var owner = new LogSpool(directory, _key, 1_000_000, 64 * 1024);
        Assert.True(owner.TryAppend(Batch(1, 10), DateTimeOffset.UtcNow));

        Assert.Null(LogSpool.TryAdopt(directory, _key));
        Assert.Empty(AdoptedSpool.AdoptOrphans(_runtime, "gateway", Spool("gateway-ffffffffffff"), _key));
    }

    [Fact]
    public void A_spool_left_behind_is_read_back_in_order_up_to_a_frame_torn_by_the_crash_and_then_deleted()
    {
        var directory = Spool("gateway-0123456789ab");
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        using (var crashed = new LogSpool(directory, _key, 10_000_000, 64 * 1024))
        {
            for (var i = 0; i < 30; i++)
            {
                Assert.True(crashed.TryAppend(Batch(i * 10 + 1, 10), start.AddSeconds(i)));
            }
        }

        // The process died in the middle of writing one more frame: its first bytes are in the last segment.
        var last = Directory.GetFiles(directory, "*.spool").Order(StringComparer.Ordinal).Last();
        File.AppendAllBytes(last, new byte[] { 0x10, 0x27, 0, 0, 10, 0, 0, 0, 1, 2, 3 });
        File.WriteAllText(Path.Combine(directory, PipelineStateFiles.StateFileName), "{}");

        using var adopted = LogSpool.TryAdopt(directory, _key);
        Assert.NotNull(adopted);
        Assert.Equal(300, adopted.UnreadRecords);
        Assert.Equal(start, adopted.OldestUnread);
        for (var i = 0; i < 30; i++)
        {
            var batch = adopted.TryReadNext();
            Assert.NotNull(batch);
            Assert.Equal(i * 10 + 1, batch.FirstSequence);
            Assert.Equal(Batch(i * 10 + 1, 10).Payload, batch.Payload);
        }

        Assert.Null(adopted.TryReadNext());
        Assert.Throws<InvalidOperationException>(() => adopted.TryAppend(Batch(301, 10), DateTimeOffset.UtcNow));
        adopted.Release(300);
        Assert.Empty(Directory.GetFiles(directory, "*.spool"));
        adopted.Dispose(deleteDirectory: true);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Only_spools_of_the_same_instance_are_adopted_never_another_components_or_another_hosts()
    {
        foreach (var name in new[] { "gateway-0123456789ab", "gateway@hostb-0123456789ab", "modelservice-0123456789ab", "gateway-not-an-id" })
        {
            using var spool = new LogSpool(Spool(name), _key, 1_000_000, 64 * 1024);
            Assert.True(spool.TryAppend(Batch(1, 10), DateTimeOffset.UtcNow));
        }

        var adopted = AdoptedSpool.AdoptOrphans(_runtime, "gateway", Spool("gateway-ffffffffffff"), _key);
        try
        {
            Assert.Equal(["gateway/0123456789ab"], adopted.Select(a => a.Producer));
            Assert.Equal(10, adopted[0].Spool.UnreadRecords);
        }
        finally
        {
            foreach (var a in adopted)
            {
                a.Spool.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_runtime))
        {
            Directory.Delete(_runtime, recursive: true);
        }
    }

    private string Spool(string name) => Path.Combine(_runtime, PipelineStateFiles.SpoolDirectoryName, name);

    private static PendingBatch Batch(long first, int count)
    {
        var payload = new byte[3_000];
        new Random((int)first).NextBytes(payload);
        return new PendingBatch(first, first + count - 1, count, payload);
    }
}
