using System.Security.Cryptography;
using AICO.Security;

namespace AICO.Benchmarks;

/// <summary>
/// Does the raw log writer slow down when the other core works? `logging-pipeline N M neighbours`: the raw batch writer
/// alone, then beside one thread that (crypto) seals 42 KB buffers with ChaCha20-Poly1305 flat out (a core of bus-like
/// work that allocates nothing), (alloc) allocates and fills 42 KB arrays flat out, (alloc-200) does so at about
/// 200 MB/s (the pipeline's own allocation rate), in alternating rounds. Separates "the other core is busy" from
/// "the garbage collector stops the writer".
/// </summary>
internal static class WriterNeighbourExperiment
{
    private static readonly string[] Modes = ["none", "crypto", "alloc", "alloc-200"];

    public static int Run(string root, KeyDerivation derivation, int producers, int perProducer)
    {
        var rates = Modes.ToDictionary(m => m, _ => new List<double>());
        for (var round = 0; round < 3; round++)
        {
            foreach (var mode in Modes)
            {
                LogPipelineUnderTest.Collect();
                using var stop = new CancellationTokenSource();
                var neighbour = mode == "none" ? null : new Thread(() => Neighbour(mode, stop.Token));
                neighbour?.Start();
                rates[mode].Add(LoggingPipelineBenchmark.Raw(Path.Combine(root, $"raw-{mode}-{round}.db"), derivation, producers, perProducer));
                stop.Cancel();
                neighbour?.Join();
            }
        }

        foreach (var (mode, values) in rates)
        {
            Console.WriteLine($"raw writer, neighbour {mode}: {string.Join(", ", values.Select(v => v.ToString("N0")))} rows/s (median {values.Order().ElementAt(1):N0})");
        }

        return 0;
    }

    private static void Neighbour(string mode, CancellationToken stop)
    {
        var plain = new byte[42_000];
        var cipher = new byte[42_000];
        var tag = new byte[16];
        using var chacha = new ChaCha20Poly1305(new byte[32]);
        while (!stop.IsCancellationRequested)
        {
            if (mode == "crypto")
            {
                chacha.Encrypt(new byte[12], plain, cipher, tag);
                continue;
            }

            for (var i = 0; i < 5; i++)
            {
                plain.CopyTo(new byte[plain.Length], 0);
            }

            if (mode == "alloc-200")
            {
                Thread.Sleep(1); // ~210 KB per ~1.05 ms
            }
        }
    }
}
