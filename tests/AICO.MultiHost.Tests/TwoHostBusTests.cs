using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace AICO.MultiHost.Tests;

/// <summary>
/// The bus across a real network link between two namespaces: enrolment, a link cut, and revocation
/// (README: "Running the model service on a second machine").
/// </summary>
public class TwoHostBusTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Cut = TimeSpan.FromSeconds(10);

    [RootFact]
    public async Task A_model_service_enrolled_on_another_host_answers_through_a_link_cut_and_is_cut_off_by_revoke()
    {
        await using var hosts = await TwoHosts.StartAsync();
        try
        {
            Assert.False(File.Exists(hosts.B.MasterKeyFile), "host B must run from its bundle alone");
            await UntilEmbeddingsSucceedAsync(hosts, StartDeadline, "the model service on host B answering through host A's gateway");

            // The link goes down for 10 s: requests meanwhile fail fast with 503/504 problem+json, none hangs.
            hosts.HostA.SetLink(hosts.LinkOnA, up: false);
            var cut = Stopwatch.StartNew();
            var duringCut = new List<HttpStatusCode>();
            while (cut.Elapsed < Cut - TimeSpan.FromSeconds(1))
            {
                using var response = await hosts.EmbeddingsAsync("during the cut");
                duringCut.Add(response.StatusCode);
                Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
                    $"during the cut: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                await Task.Delay(TimeSpan.FromMilliseconds(250)); // a steady trickle of callers, not a flood
            }

            await Task.Delay(Cut - cut.Elapsed > TimeSpan.Zero ? Cut - cut.Elapsed : TimeSpan.Zero);
            hosts.HostA.SetLink(hosts.LinkOnA, up: true);
            var back = Stopwatch.StartNew();
            await UntilEmbeddingsSucceedAsync(hosts, TimeSpan.FromSeconds(60), "host B reconnecting after the link came back");
            Console.WriteLine($"two hosts: {duringCut.Count} requests during the {Cut.TotalSeconds:0} s cut ({string.Join(", ", duringCut.GroupBy(s => (int)s).Select(g => $"{g.Count()} x {g.Key}"))}); served again {back.Elapsed.TotalSeconds:0.0} s after the link came back");

            // B's log records all arrive: 0 gaps for its producer.
            await UntilAsync(async () => ModelServiceProducers(await hosts.AicoOnA("logs", "stat", "--json")).Any(p => p.Received > 0),
                TimeSpan.FromSeconds(30), "host B's log records reaching host A's database");
            var producers = ModelServiceProducers(await hosts.AicoOnA("logs", "stat", "--json"));
            Assert.All(producers, p => Assert.Equal(0, p.Gaps));

            // Revoke: B is disconnected within 5 s with the reason "revoked", and denied afterwards.
            var revoke = Stopwatch.StartNew();
            await hosts.AicoOnA("security", "revoke", TwoHosts.InstanceName);
            await UntilAsync(() => Task.FromResult(hosts.ModelService.Output.Contains("revoked", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "host B being told it was revoked");
            Assert.True(revoke.Elapsed < TimeSpan.FromSeconds(5), $"revocation took {revoke.Elapsed.TotalSeconds:0.0} s to disconnect host B");
            using (var refused = await hosts.EmbeddingsAsync("after revoke"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }

            // B keeps retrying; the client logs only a change of state, so the broker's refusals are what show each
            // later attempt denied (the removal and the refusal of the cut connection make two lines; a third is a later attempt).
            await UntilAsync(() => Task.FromResult(Count(hosts.Broker.Output, "was revoked (aico security revoke)") >= 3),
                TimeSpan.FromSeconds(15), "host B's next attempt being denied as revoked too");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(ex.Message + "\n" + hosts.Diagnostics(), ex);
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            throw new Xunit.Sdk.XunitException(ex.Message + "\n" + hosts.Diagnostics());
        }
    }

    private static async Task UntilEmbeddingsSucceedAsync(TwoHosts hosts, TimeSpan deadline, string what) =>
        await UntilAsync(async () =>
        {
            try
            {
                using var response = await hosts.EmbeddingsAsync("hello from host A");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, deadline, what);

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < deadline, $"timed out after {deadline.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(200);
        }
    }

    private static List<(string Producer, long Received, long Gaps)> ModelServiceProducers(string statJson)
    {
        using var doc = JsonDocument.Parse(statJson);
        return doc.RootElement.GetProperty("producers").EnumerateArray()
            .Where(p => p.GetProperty("component").GetString() == "modelservice@" + TwoHosts.InstanceName)
            .Select(p => (p.GetProperty("producer").GetString()!, p.GetProperty("received").GetInt64(), p.GetProperty("gaps").GetInt64()))
            .ToList();
    }

    private static int Count(string text, string word)
    {
        var count = 0;
        for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
