using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AICO.LogStore.Tests;

/// <summary>Reads the health of a log consumer process from its own /health endpoint (the address it printed at start).</summary>
internal sealed partial class ConsumerProcessHealth(TestProcess consumer) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Uri? _address;

    /// <summary>The <c>logconsumer</c> check and the whole process's status (the worst check: what the dashboard shows).</summary>
    public async Task<(string Status, string? Description, string Overall)> LogConsumerCheckAsync()
    {
        _address ??= await AddressAsync();
        using var response = await _http.GetAsync(new Uri(_address, "/health"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var check = body.RootElement.GetProperty("checks").GetProperty("logconsumer");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString(), body.RootElement.GetProperty("status").GetString()!);
    }

    /// <summary>Polls until the consumer's check and the process are Degraded; fails when that takes 5 s or more after <paramref name="since"/> started.</summary>
    public async Task<(string Status, string? Description, string Overall)> DegradedWithin5SecondsAsync(System.Diagnostics.Stopwatch since)
    {
        (string Status, string? Description, string Overall) check;
        while ((check = await LogConsumerCheckAsync()) is not { Status: "Degraded", Overall: "Degraded" })
        {
            Assert.True(since.Elapsed < TimeSpan.FromSeconds(5), $"health still {check.Status} ({check.Description}), the process {check.Overall}, {since.Elapsed.TotalSeconds:0.0} s after the first failed write");
            await Task.Delay(200);
        }

        Assert.True(since.Elapsed < TimeSpan.FromSeconds(5), $"Degraded only after {since.Elapsed.TotalSeconds:0.0} s");
        return check;
    }

    /// <summary>Waits for a line of the process's output; the clock it returns starts when the line was seen.</summary>
    public static async Task<System.Diagnostics.Stopwatch> WaitForLineAsync(TestProcess process, string text)
    {
        var deadline = DateTime.UtcNow + PipelineFixture.Deadline;
        while (!process.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no '{text}' from the consumer; output:\n{process.Output}");
            await Task.Delay(20);
        }

        return System.Diagnostics.Stopwatch.StartNew();
    }

    public void Dispose() => _http.Dispose();

    private async Task<Uri> AddressAsync()
    {
        var deadline = DateTime.UtcNow + PipelineFixture.Deadline;
        while (true)
        {
            var match = ListeningLine().Match(consumer.Output);
            if (match.Success)
            {
                return new Uri(match.Groups[1].Value);
            }

            Assert.True(DateTime.UtcNow < deadline && !consumer.Process.HasExited, $"the consumer printed no address; output:\n{consumer.Output}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
