using System.Net;
using System.Net.Http.Json;

namespace AICO.Gateway.Tests;

public class GracefulShutdownTests
{
    [Fact]
    public async Task A_request_in_flight_when_the_shutdown_file_appears_still_completes()
    {
        await using var ollama = await FakeOllamaServer.StartAsync();
        await using var gateway = await TestGateway.StartAsync(ollama.Endpoint);
        var files = gateway.Files;

        var inFlight = gateway.Http.PostAsJsonAsync("/api/v1/chat", new { messages = new[] { new { role = "user", content = "slowly" } }, model = FakeOllamaServer.SlowModel });
        await Eventually.TrueAsync(() => !ollama.Requests.IsEmpty, "the fake Ollama received the chat request");
        await File.WriteAllTextAsync(files.ShutdownFile, "");

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Echo: slowly", await response.Content.ReadAsStringAsync());
        await gateway.Run.WaitAsync(TestProcess.Deadline);
        Assert.False(File.Exists(files.PidFile));
        Assert.False(File.Exists(files.ShutdownFile));
    }

    [Fact]
    public async Task The_interactive_API_page_is_served_in_Development_only()
    {
        await using var production = await TestGateway.StartAsync();
        await using var development = await TestGateway.StartAsync(extraArgs: "--environment=Development");

        using var hidden = await production.Http.GetAsync("/scalar/v1");
        using var shown = await development.Http.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
    }
}
