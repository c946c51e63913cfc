using System.Net;
using System.Net.Sockets;
using AICO.Bus;
using AICO.Security;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.TestSupport;

/// <summary>Raw peers that flood the broker without keys (ZMTP 1.0) or with only its public key (CURVE).</summary>
internal sealed class BusFlood : IAsyncDisposable
{
    private readonly string _endpoint;
    private readonly byte[] _brokerPublic;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _streamers = [];

    public BusFlood(string endpoint, CurveKeyPair brokerKeys)
        : this(endpoint, brokerKeys.PublicKey.ToArray())
    {
    }

    public BusFlood(string endpoint, byte[] brokerPublic)
    {
        _endpoint = endpoint;
        _brokerPublic = brokerPublic;
    }

    public long HellosStreamed;

    /// <summary>Keyless connections that reached the broker's listener.</summary>
    public long KeylessConnections;

    /// <summary>Opens <paramref name="count"/> keyless ZMTP 1.0 connections, each sending one HELLO, and keeps them open.</summary>
    public async Task OpenKeylessHellosAsync(int count)
    {
        var port = Port(_endpoint);
        var hello = KeylessHelloBytes();
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                lock (_sockets)
                {
                    _sockets.Add(socket);
                }

                await socket.ConnectAsync(IPAddress.Loopback, port);
                Interlocked.Increment(ref KeylessConnections);
                await socket.SendAsync(hello, SocketFlags.None);
            }
            catch (SocketException)
            {
                // Refused or reset by the broker: that is one of the outcomes under test.
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
    }

    /// <summary>Keeps <paramref name="count"/> keyless HELLO connections coming: a new round as soon as the last one is done.</summary>
    public void StartKeylessRounds(int count) => _streamers.Add(Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            await OpenKeylessHellosAsync(count);
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.Dispose();
                }

                _sockets.Clear();
            }
        }
    }));

    /// <summary>A keyless ZMTP 1.0 connection sending HELLOs as fast as it can, reconnecting whenever it is closed.</summary>
    public void StartKeylessHelloStreamer()
    {
        var port = Port(_endpoint);
        var hello = KeylessHelloBytes()[2..];
        _streamers.Add(Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                    await socket.SendAsync(new byte[] { 0x01, 0x00 }, SocketFlags.None, _stop.Token);
                    while (!_stop.IsCancellationRequested)
                    {
                        await socket.SendAsync(hello, SocketFlags.None, _stop.Token);
                        Interlocked.Increment(ref HellosStreamed);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
                {
                    await Task.Delay(1, CancellationToken.None);
                }
            }
        }));
    }

    /// <summary>A CURVE peer (it knows the broker's public key, as every enrolled host does) streaming HELLOs on one connection.</summary>
    public void StartCurveHelloStreamer()
    {
        _streamers.Add(Task.Factory.StartNew(() =>
        {
            using var socket = new DealerSocket();
            socket.Options.Linger = TimeSpan.Zero;
            socket.Options.CurveServerKey = _brokerPublic;
            socket.Options.CurveCertificate = new NetMQCertificate();
            socket.Options.SendHighWatermark = 1000;
            socket.Connect(_endpoint);
            while (!_stop.IsCancellationRequested)
            {
                if (socket.TrySendFrame(TimeSpan.FromMilliseconds(50), HelloFrame()))
                {
                    Interlocked.Increment(ref HellosStreamed);
                }

                while (socket.TryReceiveFrameBytes(TimeSpan.Zero, out _))
                {
                }
            }
        }, TaskCreationOptions.LongRunning));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_streamers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }
    }

    public static byte[] HelloFrame()
    {
        // A well-formed HELLO for some other broker key: the broker pays one key agreement to find out.
        return new ClientHandshake(Components.Cli, CurveKeyPair.Generate(), CurveKeyPair.Generate().PublicKey.ToArray()).Start();
    }

    /// <summary>ZMTP 1.0: the empty identity message, then one HELLO message (length = 1 + body, flags 0).</summary>
    private static byte[] KeylessHelloBytes()
    {
        var frame = HelloFrame();
        byte[] length = frame.Length + 1 < 0xFF ? [(byte)(frame.Length + 1)] : [0xFF, .. BitConverter.GetBytes((long)frame.Length + 1).Reverse()];
        return [0x01, 0x00, .. length, 0x00, .. frame];
    }

    private static int Port(string endpoint) => new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal)).Port;
}
