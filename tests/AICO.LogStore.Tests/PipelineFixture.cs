using AICO.Bus;
using AICO.LogStore;
using AICO.Security;
using AICO.Storage;

namespace AICO.LogStore.Tests;

/// <summary>
/// A real log pipeline on loopback: a key store in a throwaway data directory, the broker engine on an ephemeral
/// port, the encrypted database, producer processes (AICO.Logging.TestProducer) and the consumer either in this
/// process or as the real AICO.LogConsumer host process. Everything started here is stopped on dispose.
/// </summary>
internal sealed class PipelineFixture : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly List<TestProcess> _processes = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly KeyDerivation _derivation;

    /// <param name="prepareDataDirectory">Runs on the (created, empty) data directory before anything is written to it, e.g. to mount a small file system there.</param>
    public PipelineFixture(Action<string>? prepareDataDirectory = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "aico-pipeline-" + Guid.NewGuid().ToString("N"));
        Paths = new AicoPaths(Path.Combine(Root, "data"), Path.Combine(Root, "run"));
        Directory.CreateDirectory(Paths.DataDirectory);
        prepareDataDirectory?.Invoke(Paths.DataDirectory);
        var store = new MasterKeyStore(Paths);
        store.Create(force: false);
        _derivation = store.LoadDerivation();
        Broker = StartBroker("tcp://127.0.0.1:0");
        Endpoint = Broker.BoundEndpoint;
        Database = new EncryptedDatabase(StorageOptions.FromKeyStore(Paths));
        Database.Migrate();
    }

    public string Root { get; }
    public AicoPaths Paths { get; }
    public string Endpoint { get; }
    public BrokerEngine Broker { get; private set; }
    public EncryptedDatabase Database { get; }

    public static CancellationToken Timeout() => new CancellationTokenSource(Deadline).Token;

    public async Task RestartBrokerAsync()
    {
        await Broker.DisposeAsync();
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                Broker = StartBroker(Endpoint);
                return;
            }
            catch (NetMQ.NetMQException) when (DateTime.UtcNow < deadline)
            {
                // NetMQ releases the old listener's port asynchronously.
                await Task.Delay(100);
            }
        }
    }

    public BusClient Client(string component)
    {
        var client = new BusClient(ComponentKeys.Derive(_derivation, component), new BusClientOptions
        {
            Endpoint = Endpoint,
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
        _owned.Add(client);
        client.Start();
        return client;
    }

    /// <summary>The consumer in this process: real bus client, real database.</summary>
    public LogConsumer StartConsumerInProcess()
    {
        var consumer = new LogConsumer(Client(Components.LogConsumer), Database, new LogConsumerOptions { WriteRetryDelay = TimeSpan.FromMilliseconds(200) });
        _owned.Insert(0, consumer);
        consumer.Start();
        return consumer;
    }

    /// <summary>The real AICO.LogConsumer host as a process (it derives its keys from the key store).</summary>
    /// <param name="environment">More settings for it, e.g. a key that does not open the database.</param>
    public TestProcess StartConsumerProcess(IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0", ["Logging__LogLevel__Default"] = "Warning", ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information" };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        return Start(TestProcess.Built("services", "AICO.LogConsumer"), [], settings);
    }

    /// <summary>A producer process that logs <paramref name="count"/> numbered records, the first <paramref name="startup"/> before its host starts.</summary>
    public TestProcess StartProducer(string component, int count, int startup, int pauseEvery = 0, int? bufferCapacity = null, int ratePerSecond = 0)
    {
        var environment = new Dictionary<string, string> { ["Logging__Bus__AckTimeout"] = "00:00:02", ["AICO_TEST_RATE"] = ratePerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (bufferCapacity is { } capacity)
        {
            environment["Logging__Bus__BufferCapacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Start(TestProcess.Built("tests", "AICO.Logging.TestProducer"), [component, count.ToString(), startup.ToString(), pauseEvery.ToString(), "80"], environment);
    }

    /// <summary>The numbered records of one component, by sequence.</summary>
    public IReadOnlyList<(long Sequence, string Message)> Numbered(string component) => Database.Execute(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"SELECT sequence, message FROM logs WHERE {LogQuery.ProducerOfRow} LIKE $p AND module = 'Numbered' ORDER BY sequence";
        command.Parameters.AddWithValue("$p", component + "/%");
        using var r = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (r.Read())
        {
            rows.Add((r.GetInt64(0), r.GetString(1)));
        }

        return (IReadOnlyList<(long, string)>)rows;
    });

    public long Count(string sql) => Database.Execute(c => Sql.Long(c, sql));

    public Task WaitForAsync(Func<bool> condition, string what) => Eventually.TrueAsync(condition, what, Deadline);

    public async Task WaitForBrokerClientsAsync(params string[] components)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var status = await Broker.GetStatusAsync();
            if (components.All(c => status.Clients.Any(k => k.Component == c)))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {string.Join(", ", components)} to authenticate at the broker");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Broker.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the temp directory is cleaned by the OS.
        }
    }

    private BrokerEngine StartBroker(string endpoint)
    {
        var broker = new BrokerEngine(
            _derivation.CurveKeyPair(Components.Broker),
            Components.Clients.ToDictionary(c => c, c => _derivation.CurveKeyPair(c).PublicKeyZ85),
            new BrokerOptions { Endpoint = endpoint });
        broker.Start();
        return broker;
    }

    private TestProcess Start(string dll, string[] args, Dictionary<string, string> environment)
    {
        environment[AicoPaths.DataDirVariable] = Paths.DataDirectory;
        environment[AicoPaths.RuntimeDirVariable] = Paths.RuntimeDirectory;
        environment["Bus__Endpoint"] = Endpoint;
        var child = TestProcess.Start(dll, args, environment);
        _processes.Add(child);
        return child;
    }
}
