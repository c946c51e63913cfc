using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AICO.Security;
using AICO.TestSupport;

namespace AICO.MultiHost.Tests;

/// <summary>
/// Two machines made of network namespaces joined by a veth link (A 10.12.0.1, B 10.12.0.2). Host A runs the broker,
/// the log consumer and the gateway as processes over its own installation (the AppHost is not needed to start three
/// processes inside a namespace); host B runs only the model service, from a bundle enrolled on A and joined on B: B's
/// data directory never holds a master key. Everything is removed on dispose, also after a failure.
/// </summary>
internal sealed class TwoHosts : IAsyncDisposable
{
    public const string BrokerAddress = "10.12.0.1";
    public const int GatewayPort = 8080;
    public const string InstanceName = "gpu-box";

    private static readonly string[] HostNames = ["broker", "logconsumer", "gateway", "modelservice"];
    private readonly List<TestProcess> _hosts = [];
    private readonly List<NetworkNamespace> _namespaces = [];

    private TwoHosts(string suffix)
    {
        Root = Path.Combine(Path.GetTempPath(), "aico-2h-" + suffix);
        A = new AicoPaths(Path.Combine(Root, "a"), Path.Combine(Root, "a", "run"));
        B = new AicoPaths(Path.Combine(Root, "b"), Path.Combine(Root, "b", "run"));
        LinkOnA = "va" + suffix;
    }

    public string Root { get; }
    public AicoPaths A { get; }
    public AicoPaths B { get; }
    public NetworkNamespace HostA => _namespaces[0];
    public NetworkNamespace HostB => _namespaces[1];
    public string LinkOnA { get; }
    public TestProcess Broker => _hosts[0];
    public TestProcess ModelService => _hosts[^1];
    public HttpClient Gateway { get; private set; } = null!;

    public static async Task<TwoHosts> StartAsync()
    {
        var suffix = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var hosts = new TwoHosts(suffix);
        try
        {
            await hosts.SetUpAsync(suffix);
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs `aico` on host A's installation (in namespace A when it needs the bus) and returns stdout; fails on a non-zero exit.</summary>
    public Task<string> AicoOnA(params string[] args) => Aico(A, args);

    public async Task<HttpResponseMessage> EmbeddingsAsync(string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embeddings")
        {
            Content = new StringContent($"{{\"input\":[\"{text}\"]}}", Encoding.UTF8, "application/json"),
        };
        return await Gateway.SendAsync(request);
    }

    public string Diagnostics() => string.Join("\n", _hosts.Select((h, i) => $"--- {HostNames[i]} (exited: {h.Process.HasExited})\n{Tail(h.Output)}"));

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var ns in _namespaces)
        {
            ns.Dispose();
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private async Task SetUpAsync(string suffix)
    {
        _namespaces.Add(NetworkNamespace.Create("aico-a-" + suffix));
        _namespaces.Add(NetworkNamespace.Create("aico-b-" + suffix));
        NetworkNamespace.Link(HostA, LinkOnA, BrokerAddress, HostB, "vb" + suffix, "10.12.0.2");

        await Aico(A, "security", "init");
        var bundle = Path.Combine(Root, InstanceName + ".bundle");
        await Aico(A, "security", "enroll", Components.ModelService, "--name", InstanceName, "--endpoint", $"tcp://{BrokerAddress}:5555", "--out", bundle);
        await Aico(B, "security", "join", bundle);
        File.Delete(bundle);

        var local = "tcp://127.0.0.1:5555";
        _hosts.Add(StartHost(HostA, "AICO.Broker", Settings(A, ("Bus__Endpoint", local), ("Bus__BindAddress", "0.0.0.0"))));
        _hosts.Add(StartHost(HostA, "AICO.LogConsumer", Settings(A, ("Bus__Endpoint", local))));
        _hosts.Add(StartHost(HostA, "AICO.Gateway", Settings(A, ("Bus__Endpoint", local),
            ("ASPNETCORE_URLS", $"http://127.0.0.1:{GatewayPort}"), ("Gateway__EmbeddingsTimeout", "00:00:03"))));
        _hosts.Add(StartHost(HostB, "AICO.ModelService", Settings(B)));

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = await HostA.CreateSocketAsync();
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var token = (await Aico(A, "gateway", "token")).Trim();
        Gateway = new HttpClient(handler) { BaseAddress = new Uri($"http://localhost:{GatewayPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private static Dictionary<string, string> Settings(AicoPaths paths, params (string Name, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            [AicoPaths.DataDirVariable] = paths.DataDirectory,
            [AicoPaths.RuntimeDirVariable] = paths.RuntimeDirectory,
        };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
    }

    /// <summary>A host as users run it standalone (`dotnet AICO.X.dll`, production settings), inside a namespace.</summary>
    private static TestProcess StartHost(NetworkNamespace ns, string project, Dictionary<string, string> settings)
    {
        settings["DOTNET_ENVIRONMENT"] = settings["ASPNETCORE_ENVIRONMENT"] = "Production";
        settings.TryAdd("ASPNETCORE_URLS", "http://127.0.0.1:0");
        var info = TestProcess.DotnetStartInfo(TestProcess.Built("services", project), [], settings);
        info.WorkingDirectory = TestProcess.BuildOutput("services", project);
        return TestProcess.Start(ns.Inside(info));
    }

    private static Task<string> Aico(AicoPaths paths, params string[] args) => TestProcess.RunCliAsync(Settings(paths), 0, args);

    private static string Tail(string text) => text.Length > 4000 ? "..." + text[^4000..] : text;
}
