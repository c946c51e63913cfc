using System.Diagnostics;
using AICO.Bus;
using AICO.Security;

namespace AICO.Benchmarks;

/// <summary>
/// The bus handshake without sockets, old and new in the same run, alternating in rounds so that load from other
/// processes hits both alike: v1 (HELLO/CHALLENGE/AUTH on the managed NaCl.Net X25519) against v2 (Noise IK on
/// libsodium through NSec). Reports whole handshakes per second (both sides on one thread), the broker's share alone
/// (the broker thread's capacity), and what the broker pays to refuse a HELLO it cannot accept.
/// Options: --handshakes N (600 per protocol), --rounds N (6).
/// </summary>
internal static class HandshakeBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var handshakes = Option(args, "--handshakes", 600);
        var rounds = Option(args, "--rounds", 6);
        var perRound = Math.Max(1, handshakes / rounds);
        var broker = CurveKeyPair.Generate();
        var client = CurveKeyPair.Generate();
        var allowList = new Dictionary<string, string> { [Components.Gateway] = client.PublicKeyZ85 };
        using var keyring = new BrokerKeyring(broker, allowList);
        var brokerSecret = broker.SecretKey.ToArray();
        var brokerPublic = broker.PublicKey.ToArray();
        var clientSecret = client.SecretKey.ToArray();
        var clientPublic = client.PublicKey.ToArray();

        var totals = new Dictionary<string, (double Seconds, int Count)>();
        void Add(string name, TimeSpan elapsed, int count)
        {
            var (seconds, n) = totals.GetValueOrDefault(name);
            totals[name] = (seconds + elapsed.TotalSeconds, n + count);
        }

        Console.WriteLine($"bus-handshake benchmark: {perRound * rounds:N0} handshakes per protocol in {rounds} alternating rounds, {Environment.ProcessorCount} cores");
        V1(2);
        V2(2);
        for (var round = 0; round < rounds; round++)
        {
            V1(perRound);
            V2(perRound);
        }

        Console.WriteLine();
        Console.WriteLine("| measure | v1: 3 messages, NaCl.Net | v2: Noise IK, libsodium (NSec) | v2 / v1 |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Row("whole handshakes/s (client and broker on one thread)", "v1 whole", "v2 whole");
        Row("broker thread: handshakes/s it can accept", "v1 broker", "v2 broker");
        Row("broker thread: unusable HELLOs/s it can refuse", "v1 refuse", "v2 refuse forged");
        Row("broker thread: replayed HELLOs/s it can refuse", "v1 refuse", "v2 refuse replay");
        Row("one X25519 operation/s", "v1 x25519", "v2 x25519");
        Console.WriteLine();
        Console.WriteLine("v1 refuses a keyless HELLO naming a listed component only after it timed out (it pays the CHALLENGE: 1 key pair + 2 DH);");
        Console.WriteLine("v2 pays 1 DH for a forged HELLO and a lookup for a replayed one.");
        return Task.FromResult(0);

        void V1(int n)
        {
            var brokerTime = TimeSpan.Zero;
            var whole = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var hello = LegacyHandshake.Hello(Components.Gateway);
                var t = Stopwatch.GetTimestamp();
                var pending = LegacyHandshake.OnHello(brokerSecret, hello.Hello);
                brokerTime += Stopwatch.GetElapsedTime(t);
                var (staticKey, proof, c2s) = LegacyHandshake.OnChallenge(hello, clientSecret, clientPublic, brokerPublic, pending);
                t = Stopwatch.GetTimestamp();
                var brokerC2s = LegacyHandshake.OnAuth(brokerSecret, pending, staticKey, proof);
                brokerTime += Stopwatch.GetElapsedTime(t);
                Check(c2s.AsSpan().SequenceEqual(brokerC2s), "v1 keys differ");
            }

            Add("v1 whole", whole.Elapsed, n);
            Add("v1 broker", brokerTime, n);
            var refuse = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                LegacyHandshake.OnHello(brokerSecret, LegacyHandshake.Hello(Components.Gateway).Hello);
            }

            Add("v1 refuse", refuse.Elapsed, n);
            var x = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                LegacyHandshake.Dh(clientSecret, brokerPublic);
            }

            Add("v1 x25519", x.Elapsed, n);
        }

        void V2(int n)
        {
            var brokerTime = TimeSpan.Zero;
            var forged = new List<byte[]>(n);
            var accepted = new List<byte[]>(n);
            var whole = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var handshake = new ClientHandshake(Components.Gateway, client, brokerPublic);
                var hello = handshake.Start();
                var t = Stopwatch.GetTimestamp();
                var atBroker = new BrokerHandshake(keyring).Receive(hello);
                brokerTime += Stopwatch.GetElapsedTime(t);
                var atClient = handshake.Receive(atBroker.Reply);
                Check(atClient.Keys!.ClientToBroker.AsSpan().SequenceEqual(atBroker.Keys!.ClientToBroker), "v2 keys differ");
                accepted.Add(hello);
            }

            Add("v2 whole", whole.Elapsed, n);
            Add("v2 broker", brokerTime, n);
            for (var i = 0; i < n; i++)
            {
                // A HELLO made for another broker key: what a peer without the allow-listed secrets can send.
                forged.Add(new ClientHandshake(Components.Gateway, client, CurveKeyPair.Generate().PublicKey.ToArray()).Start());
            }

            var refuse = Stopwatch.StartNew();
            foreach (var hello in forged)
            {
                Check(new BrokerHandshake(keyring).Receive(hello).Status == HandshakeStatus.Refused, "a forged HELLO was accepted");
            }

            Add("v2 refuse forged", refuse.Elapsed, n);
            var replay = Stopwatch.StartNew();
            foreach (var hello in accepted)
            {
                Check(new BrokerHandshake(keyring).Receive(hello).Code == DenyCode.DenyReplayedProof, "a replayed HELLO was not refused as a replay");
            }

            Add("v2 refuse replay", replay.Elapsed, n);
            using var key = X25519.ImportSecret(clientSecret);
            var x = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                X25519.Agree(key, brokerPublic).Dispose();
            }

            Add("v2 x25519", x.Elapsed, n);
        }

        void Row(string label, string v1, string v2)
        {
            var a = totals[v1].Count / totals[v1].Seconds;
            var b = totals[v2].Count / totals[v2].Seconds;
            Console.WriteLine($"| {label} | {a:N0} | {b:N0} | {b / a:0.00}x |");
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
    }
}
