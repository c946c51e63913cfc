using AICO.Logging;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

public class CompressedLogBatchTests
{
    private static LogEntry[] Records(int count) => [.. Enumerable.Range(1, count).Select(i => new LogEntry
    {
        Sequence = i,
        Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000).AddTicks(i * 37),
        Level = LogLevel.Information,
        Category = "AICO.Gateway.ChatEndpoints",
        Message = $"request {i} answered in {i % 17} ms",
        ExtraJson = $"{{\"Number\":\"{i}\",\"Elapsed\":\"{i % 17}\"}}",
    })];

    private static byte[] ForWire(string producer, IReadOnlyList<LogEntry> entries)
    {
        var encoder = new LogBatchEncoder();
        encoder.Begin(producer, entries[0].Sequence, entries.Count);
        foreach (var entry in entries)
        {
            encoder.Add(entry);
        }

        return encoder.FinishForWire();
    }

    [Fact]
    public void A_batch_goes_on_the_bus_compressed_and_unpacks_to_the_same_records()
    {
        var records = Records(512);
        var plain = LogBatchCodec.Encode("gateway/abc", records);
        var wire = ForWire("gateway/abc", records);

        Assert.Equal(CompressedLogBatch.Version, wire[0]);
        Assert.True(wire.Length * 2 < plain.Length, $"compressed {wire.Length} bytes, plain {plain.Length}");
        var decoded = LogBatchCodec.Decode(wire);
        Assert.Equal(plain, decoded.Payload.ToArray()); // the writer reads version 2, whatever came over the bus
        Assert.Equal(records.Select(r => (r.Sequence, r.Message, r.ExtraJson)), decoded.Entries.Select(r => (r.Sequence, r.Message, r.ExtraJson)));
    }

    [Fact]
    public void A_batch_that_compression_would_not_shrink_goes_as_version_2_and_version_2_stays_readable()
    {
        // What older producers sent and older spool files hold is version 2: it decodes as before.
        var tiny = ForWire("p", [new LogEntry { Sequence = 1, Category = "c", Message = "m", Timestamp = DateTimeOffset.UnixEpoch }]);
        Assert.Equal(LogBatchCodec.Version, tiny[0]);
        Assert.Equal("m", LogBatchCodec.Decode(tiny).Entries.Single().Message);
    }

    [Fact]
    public void Every_truncation_of_a_compressed_batch_is_a_format_error_not_a_crash()
    {
        var wire = ForWire("gateway/abc", Records(64));
        for (var length = 0; length < wire.Length; length++)
        {
            Assert.Throws<FormatException>(() => LogBatchCodec.Decode(wire.AsSpan(0, length)));
        }
    }

    [Fact]
    public void A_compressed_batch_that_claims_more_than_a_batch_may_hold_is_refused_before_anything_is_allocated()
    {
        // 0xFFFFFFFF bytes claimed by a 4-byte block: refused on the claim, no 4 GB buffer.
        var huge = Assert.Throws<FormatException>(() => LogBatchCodec.Decode([CompressedLogBatch.Version, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3, 4]));
        Assert.Contains("declares 4294967295 bytes", huge.Message);
        // Within the limit but more than LZ4 can expand 4 bytes to.
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([CompressedLogBatch.Version, 0x80, 0x80, 0x40, 1, 2, 3, 4]));
        Assert.Throws<FormatException>(() => LogBatchCodec.Decode([CompressedLogBatch.Version, 0, 1, 2, 3]));
    }

    [Fact]
    public void A_corrupt_or_lying_compressed_batch_is_a_format_error_that_says_what_is_wrong()
    {
        var records = Records(64);
        var plain = LogBatchCodec.Encode("gateway/abc", records);
        var wire = ForWire("gateway/abc", records);

        // Declares one byte more than the block holds.
        var longer = Repack(plain.Length + 1, wire);
        Assert.Contains($"unpacks to {plain.Length} bytes, not the {plain.Length + 1}", Assert.Throws<FormatException>(() => LogBatchCodec.Decode(longer)).Message);
        // Declares one byte less: the block does not fit.
        Assert.Contains("corrupt", Assert.Throws<FormatException>(() => LogBatchCodec.Decode(Repack(plain.Length - 1, wire))).Message);

        // A compressed batch inside a compressed batch, or another inner version, is not a log batch.
        var nested = ForWireOf([CompressedLogBatch.Version, .. plain[1..]]);
        Assert.Contains("holds version 3, expected 2", Assert.Throws<FormatException>(() => LogBatchCodec.Decode(nested)).Message);

        // Random damage anywhere is a FormatException or the same records, never another exception.
        var random = new Random(9);
        for (var i = 0; i < 2_000; i++)
        {
            var damaged = wire.ToArray();
            damaged[random.Next(1, damaged.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                LogBatchCodec.Decode(damaged);
            }
            catch (FormatException)
            {
            }
        }
    }

    [Fact]
    public void A_batch_unpacked_into_the_pool_reads_the_same_until_released_and_refuses_its_payload_afterwards()
    {
        var records = Records(512);
        var plain = LogBatchCodec.Encode("gateway/abc", records);
        var pooled = LogBatchCodec.DecodePooled(ForWire("gateway/abc", records));

        Assert.Equal(plain, pooled.Payload.ToArray());
        Assert.Equal(records.Select(r => r.Message), pooled.Entries.Select(r => r.Message));
        pooled.Release();
        pooled.Release();

        // The array may hold another batch now: reading it would write someone else's records.
        Assert.Throws<ObjectDisposedException>(() => pooled.Payload);
        Assert.Equal(("gateway/abc", 1L, 512L), (pooled.Producer, pooled.FirstSequence, pooled.LastSequence));
    }

    [Fact]
    public void A_version_2_batch_decoded_for_the_pool_is_not_pooled_and_stays_readable_after_release()
    {
        var tiny = ForWire("p/1", [new LogEntry { Sequence = 1, Category = "c", Message = "m", Timestamp = DateTimeOffset.UnixEpoch }]);
        var batch = LogBatchCodec.DecodePooled(tiny);
        batch.Release();

        Assert.Equal(tiny, batch.Payload.ToArray());
    }

    [Fact]
    public void A_corrupt_or_lying_batch_decoded_for_the_pool_is_the_same_format_error()
    {
        var records = Records(64);
        var plain = LogBatchCodec.Encode("gateway/abc", records);
        var wire = ForWire("gateway/abc", records);

        Assert.Contains($"unpacks to {plain.Length} bytes, not the {plain.Length + 1}",
            Assert.Throws<FormatException>(() => LogBatchCodec.DecodePooled(Repack(plain.Length + 1, wire))).Message);
        Assert.Contains("corrupt", Assert.Throws<FormatException>(() => LogBatchCodec.DecodePooled(Repack(plain.Length - 1, wire))).Message);
        Assert.Contains("declares 4294967295 bytes",
            Assert.Throws<FormatException>(() => LogBatchCodec.DecodePooled(new byte[] { CompressedLogBatch.Version, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3, 4 })).Message);
        // Unpacks, but what it holds is not a batch: the records are checked before the batch is handed out.
        var truncated = ForWireOf(plain[..^3]);
        Assert.Throws<FormatException>(() => LogBatchCodec.DecodePooled(truncated));
        for (var length = 0; length < wire.Length; length++)
        {
            Assert.Throws<FormatException>(() => LogBatchCodec.DecodePooled(wire.AsMemory(0, length)));
        }
    }

    private static byte[] Repack(int declared, byte[] wire)
    {
        var reader = 1;
        while ((wire[reader++] & 0x80) != 0)
        {
        }

        var header = new List<byte> { CompressedLogBatch.Version };
        for (var v = (uint)declared; ; v >>= 7)
        {
            if (v < 0x80)
            {
                header.Add((byte)v);
                break;
            }

            header.Add((byte)(v | 0x80));
        }

        return [.. header, .. wire[reader..]];
    }

    private static byte[] ForWireOf(byte[] inner)
    {
        var scratch = Array.Empty<byte>();
        var padded = inner.Concat(Enumerable.Repeat((byte)'x', 4_000)).ToArray(); // compressible, so it is packed
        var packed = CompressedLogBatch.TryPack(padded, ref scratch);
        Assert.False(packed.IsEmpty);
        return packed.ToArray();
    }
}
