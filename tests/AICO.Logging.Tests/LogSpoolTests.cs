using System.Security.Cryptography;
using System.Text;
using AICO.Logging.Spool;

namespace AICO.Logging.Tests;

public sealed class LogSpoolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "aico-spool-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Batches_come_back_in_the_order_written_with_their_sequences_across_segment_files()
    {
        using var spool = new LogSpool(_directory, _key, maxBytes: 10_000_000, segmentBytes: 64 * 1024);
        for (var i = 0; i < 40; i++)
        {
            Assert.True(spool.TryAppend(Batch(i * 100 + 1, 100, 4_000), DateTimeOffset.UnixEpoch.AddSeconds(i)));
        }

        Assert.True(Directory.GetFiles(_directory, "*.spool").Length > 1, "the spool should have rolled over to more segments");
        Assert.Equal(4_000, spool.UnreadRecords);
        Assert.Equal(DateTimeOffset.UnixEpoch, spool.OldestUnread);

        for (var i = 0; i < 40; i++)
        {
            var batch = spool.TryReadNext();
            Assert.NotNull(batch);
            Assert.Equal(i * 100 + 1, batch.FirstSequence);
            Assert.Equal(i * 100 + 100, batch.LastSequence);
            Assert.Equal(Batch(i * 100 + 1, 100, 4_000).Payload, batch.Payload);
            Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(i), batch.Oldest);
        }

        Assert.Null(spool.TryReadNext());
        Assert.Equal(0, spool.UnreadRecords);
    }

    [Fact]
    public void The_spool_files_hold_no_record_text_and_a_reader_with_another_key_gets_nothing()
    {
        var marker = Encoding.UTF8.GetBytes("secret companion conversation 4711");
        using (var spool = new LogSpool(_directory, _key, 1_000_000, 64 * 1024))
        {
            Assert.True(spool.TryAppend(new PendingBatch(1, 1, 1, [.. marker, .. marker]), DateTimeOffset.UtcNow));
        }

        var bytes = File.ReadAllBytes(Directory.GetFiles(_directory, "*.spool").Single());
        Assert.Equal(-1, bytes.AsSpan().IndexOf(marker));

        // A segment can only be read with the key that wrote it: the frame is refused, not returned as garbage.
        using var wrongKey = new LogSpool(_directory + "-other", RandomNumberGenerator.GetBytes(32), 1_000_000, 64 * 1024);
        var cipherWithOtherKey = new SpoolCipher(RandomNumberGenerator.GetBytes(32), bytes.AsSpan(8, SpoolCipher.SaltLength));
        Assert.ThrowsAny<CryptographicException>(() =>
            cipherWithOtherKey.Open(0, bytes.AsSpan(24, 32), bytes.AsSpan(56, marker.Length * 2), bytes.AsSpan(56 + marker.Length * 2, 16), new byte[marker.Length * 2]));
    }

    [Fact]
    public void A_tampered_frame_is_skipped_and_counted_as_lost_instead_of_being_sent()
    {
        using var spool = new LogSpool(_directory, _key, 1_000_000, 64 * 1024);
        Assert.True(spool.TryAppend(Batch(1, 10, 500), DateTimeOffset.UtcNow));
        var path = Directory.GetFiles(_directory, "*.spool").Single();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = file.Length - 20;
            var b = file.ReadByte();
            file.Position = file.Length - 20;
            file.WriteByte((byte)(b ^ 0xFF));
        }

        Assert.Null(spool.TryReadNext());
        Assert.Equal(0, spool.UnreadRecords);
    }

    [Fact]
    public void An_append_beyond_the_size_limit_is_refused_and_the_files_never_exceed_it()
    {
        const long max = 200_000;
        using var spool = new LogSpool(_directory, _key, max, 64 * 1024);
        var accepted = 0;
        while (spool.TryAppend(Batch(accepted * 10 + 1, 10, 9_000), DateTimeOffset.UtcNow))
        {
            accepted++;
            Assert.True(accepted < 1_000, "the spool never refused an append");
        }

        Assert.InRange(accepted, 15, 22);
        Assert.True(spool.Bytes <= max);
        Assert.True(Directory.GetFiles(_directory).Sum(f => new FileInfo(f).Length) <= max);

        // Reading alone frees nothing; acknowledged segments are deleted and make room again.
        while (spool.TryReadNext() is not null)
        {
        }

        Assert.False(spool.TryAppend(Batch(accepted * 10 + 1, 10, 9_000), DateTimeOffset.UtcNow));
        spool.Release(acknowledgedSequence: accepted * 10);
        Assert.True(spool.Bytes < 64 * 1024);
        Assert.True(spool.TryAppend(Batch(accepted * 10 + 1, 10, 9_000), DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_segment_is_deleted_only_when_every_batch_in_it_is_acknowledged()
    {
        using var spool = new LogSpool(_directory, _key, 10_000_000, 64 * 1024);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(spool.TryAppend(Batch(i * 10 + 1, 10, 20_000), DateTimeOffset.UtcNow));
        }

        var files = Directory.GetFiles(_directory, "*.spool").Length;
        while (spool.TryReadNext() is not null)
        {
        }

        spool.Release(acknowledgedSequence: 5);
        Assert.Equal(files, Directory.GetFiles(_directory, "*.spool").Length);
        spool.Release(acknowledgedSequence: 100);
        Assert.Empty(Directory.GetFiles(_directory, "*.spool"));
        Assert.Equal(0, spool.Bytes);
    }

    public void Dispose()
    {
        foreach (var directory in new[] { _directory, _directory + "-other" })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static PendingBatch Batch(long first, int count, int bytes)
    {
        var payload = new byte[bytes];
        new Random((int)first).NextBytes(payload);
        return new PendingBatch(first, first + count - 1, count, payload);
    }
}
