using System.Text.Json;
using AICO.Cli;
using AICO.Security;

namespace AICO.IntegrationTests;

/// <summary>Runs `aico` in-process against the fixture's data directory, the way a user beside the running app would.</summary>
internal static class AicoCliRunner
{
    private static readonly SemaphoreSlim EnvironmentLock = new(1, 1);

    /// <summary>Runs a command that writes one JSON object per line and returns those objects.</summary>
    public static async Task<List<JsonElement>> JsonLinesAsync(AicoAppFixture fixture, params string[] args) =>
        (await OutputAsync(fixture, args)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    /// <summary>Runs a command that writes one (indented) JSON document and returns it.</summary>
    public static async Task<JsonElement> JsonAsync(AicoAppFixture fixture, params string[] args) =>
        JsonDocument.Parse(await OutputAsync(fixture, args)).RootElement;

    private static async Task<string> OutputAsync(AicoAppFixture fixture, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        await EnvironmentLock.WaitAsync();
        var previous = Environment.GetEnvironmentVariable(AicoPaths.DataDirVariable);
        Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, fixture.DataDirectory);
        try
        {
            var exit = await CliApp.RunAsync(args, stdout, stderr);
            Assert.True(exit == 0, $"aico {string.Join(' ', args)} exited {exit}: {stderr}");
        }
        finally
        {
            Environment.SetEnvironmentVariable(AicoPaths.DataDirVariable, previous);
            EnvironmentLock.Release();
        }

        return stdout.ToString();
    }
}
