using AICO.Bus;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.Benchmarks;

/// <summary>
/// The real log pipeline in this process for a benchmark: a key store in a throwaway directory, the broker on an
/// ephemeral loopback port (CURVE), the encrypted database and the log consumer writing it; bus clients on demand.
/// Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class LocalLogPipeline : IAsyncDisposable
{
    private readonly string _root;
    private readonly KeyDerivation _derivation;
    private readonly BrokerEngine _broker;
    private readonly List<IAsyncDisposable> _owned = [];

    private LocalLogPipeline(string root, KeyDerivation derivation, BrokerEngine broker, EncryptedDatabase database)
    {
        _root = root;
        _derivation = derivation;
        _broker = broker;
        Database = database;
    }

    public EncryptedDatabase Database { get; }

    public static async Task<LocalLogPipeline> StartAsync(LogConsumerOptions consumerOptions)
    {
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-pipeline-" + Guid.NewGuid().ToString("N"));
        var paths = new AicoPaths(Path.Combine(root, "data"), Path.Combine(root, "data", "run"));
        var store = new MasterKeyStore(paths);
        store.Create(force: false);
        var derivation = store.LoadDerivation();
        var broker = BenchmarkBroker.Start(derivation);
        var database = new EncryptedDatabase(StorageOptions.FromKeyStore(paths));
        database.Migrate();
        var pipeline = new LocalLogPipeline(root, derivation, broker, database);
        var consumer = new LogConsumer(await pipeline.ClientAsync(Components.LogConsumer), database, consumerOptions);
        pipeline._owned.Add(consumer);
        consumer.Start();
        return pipeline;
    }

    /// <summary>A started, authenticated bus client of <paramref name="component"/>, stopped with the pipeline.</summary>
    public async Task<BusClient> ClientAsync(string component)
    {
        var client = await BenchmarkBusClients.ConnectAsync(_derivation, component, _broker.BoundEndpoint);
        _owned.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
