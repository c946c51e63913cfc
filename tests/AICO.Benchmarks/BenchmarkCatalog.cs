namespace AICO.Benchmarks;

/// <summary>The benchmarks by name. Add one line per benchmark.</summary>
internal static class BenchmarkCatalog
{
    private static readonly Dictionary<string, (string Description, Func<string[], Task<int>> Run)> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["logging-pipeline"] = ("Log pipeline end to end (producers -> broker -> consumer -> SQLCipher) vs raw batch writes", LoggingPipelineBenchmark.RunAsync),
        ["logging-call"] = ("ILogger call cost on the caller's thread with the bus logger", LoggingCallBenchmark.RunAsync),
        ["logging-call-paced"] = ("ILogger call cost per call at ~1 call/ms while the worker ships to a real consumer", LoggingCallPacedBenchmark.RunAsync),
        ["bus-under-attack"] = ("Publish-to-deliver p50/p99 of a legitimate pair, quiet vs 1,000 keyless connections and HELLO streamers (another process)", BusUnderAttackBenchmark.RunAsync),
        ["bus-attacker"] = ("(child of bus-under-attack) keyless connections and HELLO streamers against a broker", BusUnderAttackBenchmark.AttackAsync),
        ["bus-handshake"] = ("Bus handshake without sockets: v1 (NaCl.Net, 3 messages) vs v2 (Noise IK on libsodium), same run", HandshakeBenchmark.RunAsync),
        ["bus"] = ("AICO broker vs a raw NetMQ CURVE XSUB/XPUB proxy: msgs/s, losses, request/reply p50/p99", BusBenchmark.RunAsync),
        ["bus-netns"] = ("Request/reply p50/p99 with the responder across a network-namespace link vs on loopback (root)", NetnsBusBenchmark.RunAsync),
        ["bus-echo"] = ("(child of bus-netns) an echo responder on the bus", NetnsBusBenchmark.EchoAsync),
        ["chat-stream"] = ("Streamed chat: first token, tokens/s and disconnect via HTTP -> gateway -> bus -> model service vs the Ollama stand-in directly", ChatStreamBenchmark.RunAsync),
        ["chat-sse"] = ("The gateway's share of a streamed chat: the stand-in directly vs bare Kestrel SSE vs the gateway with its bus answered from memory", ChatSseBenchmark.RunAsync),
        ["embeddings"] = ("Embeddings in-process vs HTTP -> gateway -> bus -> model service, concurrency 1 and 16", EmbeddingsBenchmark.RunAsync),
        ["logging-queries"] = ("The filters of aico logs ls / GET /api/v1/logs on a 1,000,000-row encrypted database: p50/p99", LogQueryBenchmark.RunAsync),
        ["logging-search-indexer"] = ("Does grep indexing behind the writer slow it? The consumer write loop with and without idle-time indexing, flat out and paced", LogSearchIndexingBenchmark.RunAsync),
        ["logging-codec"] = ("Log batch wire format: hand-written codec vs protobuf (Google.Protobuf), encode and decode", LogCodecBenchmark.RunAsync),
        ["spool"] = ("Producer spool: write and drain rate next to the in-memory path and a plain file", SpoolBenchmark.RunAsync),
        ["storage"] = ("Batched log inserts: SQLCipher via AICO.Storage vs the same SQLite unkeyed", StorageInsertBenchmark.RunAsync),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var benchmark))
        {
            Console.Error.WriteLine("usage: AICO.Benchmarks <benchmark> [options]");
            foreach (var (name, entry) in Benchmarks)
            {
                Console.Error.WriteLine($"  {name,-12} {entry.Description}");
            }

            return 2;
        }

        return await benchmark.Run(args[1..]);
    }
}
