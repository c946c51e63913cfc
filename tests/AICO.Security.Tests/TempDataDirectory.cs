namespace AICO.Security.Tests;

/// <summary>A throwaway data directory per test; keys in it are generated, never committed.</summary>
internal sealed class TempDataDirectory : IDisposable
{
    public TempDataDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aico-test-" + Guid.NewGuid().ToString("N"));
        Paths = new AicoPaths(System.IO.Path.Combine(Path, "data"), System.IO.Path.Combine(Path, "data", "run"));
    }

    public string Path { get; }
    public AicoPaths Paths { get; }

    public byte[] MasterKey() => File.ReadAllBytes(Paths.MasterKeyFile);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
