using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AICO.LogStore.Tests;

/// <summary>Reads the health of a log consumer process from its own /health endpoint (the address it printed at start).</summary>
internal sealed partial class ConsumerProcessHealth(TestProcess consumer) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Uri? _address;

    public async Task<(string Status, string? Description)> LogConsumerCheckAsync()
    {
        _address ??= await AddressAsync();
        using var response = await _http.GetAsync(new Uri(_address, "/health"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var check = body.RootElement.GetProperty("checks").GetProperty("logconsumer");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString());
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
