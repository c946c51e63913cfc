using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AICO.Bus.Tests;

/// <summary>
/// A raw TCP peer speaking legacy ZMTP 1.0 or 2.0 by hand (no security mechanism at all): what an attacker on the
/// machine can do against NetMQ 4.0.4.5, whose CURVE falls back to these versions (FACTS.md, "downgrade hole").
/// </summary>
internal sealed class RawZmtpPeer : IDisposable
{
    private readonly TcpClient _tcp = new();
    private readonly List<byte> _received = [];
    private readonly int _version;
    private readonly byte[] _identity;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NetworkStream _stream = null!;

    /// <param name="identity">The routing id a ZMTP 1.0 peer claims (empty: let the router pick one).</param>
    public RawZmtpPeer(int version, byte[]? identity = null)
    {
        _version = version;
        _identity = identity ?? [];
    }

    /// <summary>Completes when the other side closes the connection.</summary>
    public Task Closed => _closed.Task;

    public IReadOnlyList<byte> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public async Task ConnectAsync(string endpoint)
    {
        var uri = new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        await _tcp.ConnectAsync(IPAddress.Loopback, uri.Port);
        _stream = _tcp.GetStream();
        if (_version == 1)
        {
            // ZMTP 1.0: no greeting, the first message is the identity: [length = 1 + identity][flags 0][identity].
            await _stream.WriteAsync((byte[])[(byte)(_identity.Length + 1), 0x00, .. _identity]);
        }
        else
        {
            // ZMTP 2.0: signature, revision 1, socket type DEALER (5), then an empty identity frame.
            await _stream.WriteAsync(new byte[] { 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x01, 0x05, 0x00, 0x00 });
        }

        _ = Task.Run(ReadLoopAsync);
    }

    public async Task SendFrameAsync(byte[] body)
    {
        var frame = new List<byte>();
        if (_version == 1)
        {
            if (body.Length + 1 < 255)
            {
                frame.Add((byte)(body.Length + 1));
            }
            else
            {
                frame.Add(0xFF);
                var length = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(length, body.Length + 1);
                frame.AddRange(length);
            }

            frame.Add(0x00);
        }
        else
        {
            if (body.Length <= 255)
            {
                frame.Add(0x00);
                frame.Add((byte)body.Length);
            }
            else
            {
                frame.Add(0x02);
                var length = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(length, body.Length);
                frame.AddRange(length);
            }
        }

        frame.AddRange(body);
        await _stream.WriteAsync(frame.ToArray());
    }

    public bool Contains(byte[] needle) => RawBytes.Contains(Received, needle);

    public void Dispose() => _tcp.Dispose();

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer)) > 0)
            {
                lock (_received)
                {
                    _received.AddRange(buffer.AsSpan(0, read).ToArray());
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _closed.TrySetResult();
        }
    }
}

/// <summary>A fake "broker" that answers every connection with a ZMTP 1.0 greeting and records what it is sent.</summary>
internal sealed class FakeZmtp1Server : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<byte> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[]? _answer;

    /// <param name="answer">A frame body sent (ZMTP 1.0 framed) right after the greeting, e.g. a forged CHALLENGE.</param>
    public FakeZmtp1Server(byte[]? answer = null)
    {
        _answer = answer;
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public string Endpoint => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections;

    public IReadOnlyList<byte> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref Connections);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[8192];
            try
            {
                await stream.WriteAsync(new byte[] { 0x01, 0x00 }, _stop.Token);
                if (_answer is { Length: < 254 })
                {
                    await stream.WriteAsync((byte[])[(byte)(_answer.Length + 1), 0x00, .. _answer], _stop.Token);
                }

                int read;
                while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    lock (_received)
                    {
                        _received.AddRange(buffer.AsSpan(0, read).ToArray());
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}

/// <summary>A TCP relay between a client and the broker that records every byte in both directions (a wire tap).</summary>
internal sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<byte> _seen = [];
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();

    public TcpRelay(string target)
    {
        _targetPort = new Uri(target.Replace("tcp://", "http://", StringComparison.Ordinal)).Port;
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public string Endpoint => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int BytesSeen
    {
        get
        {
            lock (_seen)
            {
                return _seen.Count;
            }
        }
    }

    public bool Saw(byte[] needle)
    {
        lock (_seen)
        {
            return RawBytes.Contains(_seen, needle);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                var outbound = new TcpClient();
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                _ = Task.Run(() => PumpAsync(inbound, outbound));
                _ = Task.Run(() => PumpAsync(outbound, inbound));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16384];
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                lock (_seen)
                {
                    _seen.AddRange(buffer.AsSpan(0, read).ToArray());
                }

                await sink.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}

internal static class RawBytes
{
    public static bool Contains(IReadOnlyList<byte> haystack, byte[] needle) =>
        haystack.ToArray().AsSpan().IndexOf(needle) >= 0;
}
