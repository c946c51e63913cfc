using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus.Tests;

/// <summary>The gate's greeting and the refusal log, without a broker around them.</summary>
public class GateUnitTests
{
    [Fact]
    public async Task The_greeting_the_gate_sends_is_byte_for_byte_what_a_NetMQ_CURVE_router_sends()
    {
        using var router = new RouterSocket();
        router.Options.CurveServer = true;
        router.Options.CurveCertificate = new NetMQCertificate();
        var port = router.BindRandomPort("tcp://127.0.0.1");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();

        // A ZMTP 3 CURVE client's greeting, all at once, then read the router's.
        var client = ZmtpGreeting.Server.ToArray();
        await stream.WriteAsync(client);
        var greeting = new byte[ZmtpGreeting.Length];
        await stream.ReadExactlyAsync(greeting).AsTask().WaitAsync(BusFixture.Deadline);

        Assert.Equal(ZmtpGreeting.Server.ToArray(), greeting);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00 }, "zmtp-legacy")]
    [InlineData(new byte[] { 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00 }, "zmtp-legacy")]
    [InlineData(new byte[] { 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x01 }, "zmtp-version")]
    [InlineData(new byte[] { 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x00, (byte)'N', (byte)'U', (byte)'L', (byte)'L' }, "mechanism")]
    [InlineData(new byte[] { 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x01, (byte)'C', (byte)'U' }, null)]
    public void A_greeting_is_judged_on_the_first_byte_that_gives_it_away(byte[] received, string? refusal) =>
        Assert.Equal(refusal, ZmtpGreeting.Refusal(received));

    [Fact]
    public void A_flood_of_refusals_writes_one_line_per_reason_per_second_with_the_count_held_back()
    {
        var logger = new LinesLogger();
        var clock = new ManualClock();
        var log = new RefusalLog(logger, clock);

        for (var i = 0; i < 1000; i++)
        {
            log.Count("zmtp-legacy", "peer " + i);
        }

        log.Count("mechanism", "plain peer");
        log.Flush();
        Assert.Equal(2, logger.Lines.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        log.Flush();

        Assert.Equal(3, logger.Lines.Count);
        Assert.Contains("999 more refusal(s) 'zmtp-legacy'", logger.Lines[2]);
        Assert.Equal(1000, log.Snapshot()["zmtp-legacy"]);
        Assert.Equal(1001, log.Total);
    }

    [LinuxFact]
    public async Task The_gate_accepts_and_refuses_floods_on_a_SCHED_IDLE_thread_so_a_waking_relay_takes_the_core_at_once()
    {
        var refusals = new RefusalLog(new LinesLogger());
        using var listener = new GateListener(new IPEndPoint(IPAddress.Loopback, 0), refusals, (peer, _) => peer.Dispose());
        listener.Start();

        // /proc/self/task/<tid>/stat: field 41 is the scheduling policy (5 = SCHED_IDLE); comm is cut to 15 characters.
        string? policy = null;
        await Eventually.TrueAsync(() => (policy = AcceptThreadPolicy()) is not null, "the accept thread is running");
        Assert.Equal("5", policy);
    }

    [Fact]
    public async Task An_accept_thread_that_never_gets_the_CPU_does_not_keep_clients_out_the_watchdog_accepts_for_it()
    {
        var refusals = new RefusalLog(new LinesLogger());
        var admitted = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new GateListener(new IPEndPoint(IPAddress.Loopback, 0), refusals, (peer, _) =>
        {
            var first = new byte[ZmtpGreeting.Length];
            peer.Blocking = true;
            admitted.TrySetResult(first[..peer.Receive(first, SocketFlags.Peek)]);
            peer.Dispose();
        });

        // Both wait in the kernel's accept queue with their first bytes before anything accepts.
        using var keyless = new TcpClient();
        await keyless.ConnectAsync(listener.EndPoint);
        await keyless.GetStream().WriteAsync(new byte[] { 0x01, 0x00 });
        using var client = new TcpClient();
        await client.ConnectAsync(listener.EndPoint);
        await client.GetStream().WriteAsync(ZmtpGreeting.Server.ToArray());
        listener.Start(acceptThread: false);

        Assert.Equal(ZmtpGreeting.Server.ToArray(), await admitted.Task.WaitAsync(BusFixture.Deadline));
        await Eventually.TrueAsync(() => refusals.Snapshot().GetValueOrDefault("zmtp-legacy") == 1, "the keyless peer is refused by the watchdog");
        Assert.True(Interlocked.Read(ref listener.Rescued) >= 2, "both connections were accepted by the watchdog");
    }

    private static string? AcceptThreadPolicy()
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "AICO.Bus gate a")
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[38];
            }
        }

        return null;
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    private sealed class LinesLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
