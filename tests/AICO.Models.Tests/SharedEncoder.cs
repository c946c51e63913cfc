using AICO.Models;

namespace AICO.Models.Tests;

/// <summary>One MiniLM encoder (~425 MiB, ~300 ms to load) for every test in the collection.</summary>
public sealed class SharedEncoder : IDisposable
{
    public EmbeddingEngine Engine { get; } = new(concurrency: 2);

    public void Dispose() => Engine.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EncoderCollection : ICollectionFixture<SharedEncoder>
{
    public const string Name = "MiniLM encoder";
}
