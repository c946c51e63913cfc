using System.CommandLine;
using System.Text;
using AICO.Bus;
using AICO.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace AICO.Cli;

/// <summary>`aico bus`: the broker's view (status), publishing a message, and watching messages pass (monitor).</summary>
public static class BusCommands
{
    public const string EndpointVariable = "Bus__Endpoint";

    public static Command Create(CliConsole console)
    {
        var group = new Command("bus", "Inspect and use the AICO message bus (authenticates as the 'cli' component).");
        group.Subcommands.Add(Status(console));
        group.Subcommands.Add(Publish(console));
        group.Subcommands.Add(Monitor(console));
        return group;
    }

    private static Option<int> Timeout() => new("--timeout")
    {
        Description = "Seconds to wait for the broker to authenticate this CLI.",
        DefaultValueFactory = _ => 5,
    };

    private static Command Status(CliConsole console)
    {
        var json = CliOptions.Json();
        var timeout = Timeout();
        var command = new Command("status", "Show whether the broker is reachable, its clients, their subscriptions, drops and denials.") { json, timeout };
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await ConnectAsync(parse.GetValue(timeout), ct);
            var status = await client.GetBrokerStatusAsync(ct).WaitAsync(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), ct);
            var report = new
            {
                Reachable = true,
                Endpoint = client.Endpoint,
                AuthenticatedAs = client.Component,
                Clients = status.Clients,
                DeniedTotal = status.DeniedTotal,
                DroppedTotal = status.DroppedTotal,
                Refusals = status.Refusals,
            };
            if (parse.GetValue(json))
            {
                console.Json(report);
                return ExitCodes.Ok;
            }

            console.Line($"Broker {report.Endpoint}: reachable, authenticated as '{report.AuthenticatedAs}'.");
            console.Line($"{status.Clients.Count} client(s), {status.DeniedTotal} denial(s), {status.DroppedTotal} drop(s) in total.");
            if (status.Refusals.Count > 0)
            {
                console.Line("Refused by reason: " + string.Join(", ", status.Refusals.Select(r => $"{r.Key} {r.Value}")));
            }

            foreach (var c in status.Clients)
            {
                var subscriptions = c.Subscriptions.Count == 0 ? "-" : string.Join(", ", c.Subscriptions.Select(s => s.Length == 0 ? "(all)" : s));
                console.Line($"  {c.Component,-13} {c.ConnectionId,-16} in {c.MessagesIn,-8} out {c.MessagesOut,-8} dropped {c.Dropped,-6} denied {c.Denied,-6} subscriptions: {subscriptions}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Publish(CliConsole console)
    {
        var topic = new Argument<string>("topic") { Description = "Topic, e.g. cli/test/v1 (the broker checks the cli's permissions)." };
        var message = new Argument<string>("message") { Description = "Message text (sent as UTF-8)." };
        var type = new Option<string>("--type") { Description = "Message type in the envelope.", DefaultValueFactory = _ => "text" };
        var timeout = Timeout();
        var command = new Command("publish", "Publish one message and wait until the broker accepted it.") { topic, message, type, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var topicValue = parse.GetValue(topic)!;
            if (topicValue.Length == 0)
            {
                throw new CliException("the topic must not be empty", ExitCodes.Usage);
            }

            await using var client = await ConnectAsync(parse.GetValue(timeout), ct);
            try
            {
                await client.PublishConfirmedAsync(topicValue, parse.GetValue(type)!, Encoding.UTF8.GetBytes(parse.GetValue(message)!), null, ct)
                    .WaitAsync(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), ct);
            }
            catch (BusDeniedException ex)
            {
                throw new CliException("the broker refused the message: " + ex.Message);
            }
            catch (TimeoutException)
            {
                throw new CliException("the broker did not confirm the message in time");
            }

            console.Line($"Published to {topicValue}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Monitor(CliConsole console)
    {
        var prefix = new Argument<string>("prefix") { Description = "Topic prefix to watch (default: everything).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var json = CliOptions.Json();
        var timeout = Timeout();
        var command = new Command("monitor", "Print messages as they pass through the broker, until Ctrl-C.") { prefix, json, timeout };
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await ConnectAsync(parse.GetValue(timeout), ct);
            var asJson = parse.GetValue(json);
            var gate = new object();
            try
            {
                await using var subscription = await client.SubscribeAsync(parse.GetValue(prefix) ?? "", (m, _) =>
                {
                    lock (gate)
                    {
                        Print(console, m, asJson);
                    }

                    return Task.CompletedTask;
                }, ct);
                console.Line($"Watching '{parse.GetValue(prefix)}' on {client.Endpoint} (Ctrl-C to stop).");
                await Task.Delay(System.Threading.Timeout.Infinite, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (BusDeniedException ex)
            {
                throw new CliException("the broker refused the subscription: " + ex.Message);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(CliConsole console, BusMessage m, bool asJson)
    {
        var text = Encoding.UTF8.GetString(m.Payload.Span);
        if (asJson)
        {
            console.Json(new { m.Timestamp, m.Topic, m.SourceComponent, m.MessageType, m.MessageId, m.CorrelationId, m.Attributes, Payload = text }, indented: false);
            return;
        }

        var shown = text.Length > 200 ? text[..200] + "..." : text;
        console.Line($"{m.Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {m.Topic} from {m.SourceComponent} [{m.MessageType}] {shown}");
    }

    /// <summary>Authenticates as the cli component with keys from the key store (or injected settings), or fails with the reason.</summary>
    private static async Task<BusClient> ConnectAsync(int timeoutSeconds, CancellationToken ct)
    {
        var keys = SecurityCommands.Run(() => ComponentKeys.Resolve(
            Components.Cli,
            name => Environment.GetEnvironmentVariable(name.Replace(":", "__", StringComparison.Ordinal)),
            AicoPaths.FromEnvironment()));
        var endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        var wait = TimeSpan.FromSeconds(Math.Max(1, timeoutSeconds));
        var client = new BusClient(
            keys,
            new BusClientOptions { Endpoint = string.IsNullOrWhiteSpace(endpoint) ? keys.BusEndpoint ?? BrokerOptions.DefaultEndpoint : endpoint.Trim(), WelcomeTimeout = wait },
            NullLogger<BusClient>.Instance);
        client.Start();
        try
        {
            await client.WaitUntilAuthenticatedAsync(ct).WaitAsync(wait, ct);
            return client;
        }
        catch (TimeoutException)
        {
            var reason = client.State == BusConnectionState.Connecting
                ? $"no WELCOME from broker within {wait.TotalSeconds:0}s at {client.Endpoint}: check that the broker runs and uses this key store"
                : client.StatusReason;
            await client.DisposeAsync();
            throw new CliException($"broker unreachable: {reason}");
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}
