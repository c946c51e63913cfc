using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using AICO.Gateway.Auth;
using AICO.Security;

namespace AICO.Cli;

/// <summary>
/// `aico chat "hello"`: asks the running gateway with a short-lived user token from the key store and prints the
/// answer as it streams; --json prints each server-sent event as one JSON line instead.
/// </summary>
public static class ChatCommand
{
    public static Command Create(CliConsole console)
    {
        var message = new Argument<string>("message") { Description = "What to say." };
        var model = new Option<string?>("--model") { Description = "The model to ask (default: the model service's configured model)." };
        var system = new Option<string?>("--system") { Description = "A system prompt sent before the message." };
        var json = CliOptions.Json();
        var command = new Command("chat", "Chat through the gateway (ASPNETCORE_URLS or the default address); the answer streams as it is generated.")
        {
            message, model, system, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var key = SecurityCommands.Run(() => new MasterKeyStore(AicoPaths.FromEnvironment()).LoadDerivation().JwtSigningKey());
            var token = new GatewayTokenIssuer(key).Issue(Environment.UserName, GatewayRoles.User, TimeSpan.FromMinutes(10));
            var turns = new List<object>();
            if (parse.GetValue(system) is { Length: > 0 } prompt)
            {
                turns.Add(new { role = "system", content = prompt });
            }

            turns.Add(new { role = "user", content = parse.GetValue(message)! });
            return await StreamAsync(console, new Uri(GatewayCommands.Url().Split(';')[0]), token, new { messages = turns, model = parse.GetValue(model), stream = true }, parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    private static async Task<int> StreamAsync(CliConsole console, Uri gateway, string token, object body, bool json, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chat") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"the gateway is not reachable at {gateway} ({ex.Message}): start it with 'aico gateway start' or the AppHost.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"the gateway answered {(int)response.StatusCode}: {await ProblemTextAsync(response, cancellationToken)}");
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                using var data = JsonDocument.Parse(item.Data);
                if (json)
                {
                    console.Json(new { Event = item.EventType, Data = data.RootElement }, indented: false);
                }
                else if (item.EventType == "token")
                {
                    console.Text(data.RootElement.GetProperty("delta").GetString() ?? "");
                }
                else if (item.EventType == "done")
                {
                    console.Line("");
                }

                if (item.EventType == "error")
                {
                    var error = data.RootElement.GetProperty("error");
                    throw new CliException($"the answer broke off: {error.GetProperty("reason").GetString()} ({error.GetProperty("code").GetString()})");
                }
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<string> ProblemTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }
}
