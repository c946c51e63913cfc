using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AICO.Gateway;
using AICO.Gateway.Auth;
using AICO.Gateway.Lifecycle;
using AICO.LogStore;
using AICO.Security;

namespace AICO.Cli;

/// <summary>
/// `aico gateway`: run the gateway outside Aspire, stop it (shutdown file first, SIGTERM as the fallback),
/// show its state and issue bearer tokens. The gateway reads the key store itself; nothing secret is passed on.
/// </summary>
public static class GatewayCommands
{
    public const string GatewayPathVariable = "AICO_GATEWAY_PATH";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static Command Create(CliConsole console)
    {
        var group = new Command("gateway", "Run, stop and inspect the HTTP gateway; issue its bearer tokens.");
        group.Subcommands.Add(Start(console));
        group.Subcommands.Add(Stop(console));
        group.Subcommands.Add(Status(console));
        group.Subcommands.Add(Token(console));
        return group;
    }

    private static Command Start(CliConsole console)
    {
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background (own session, no console) and return once it answers /health." };
        var command = new Command("start", $"Run the gateway outside Aspire. Listens on ASPNETCORE_URLS (default {GatewayAddress.Default}), connects to the broker at Bus__Endpoint.") { detach };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var paths = AicoPaths.FromEnvironment();
            SecurityCommands.Run(() => new MasterKeyStore(paths).Load());
            var files = GatewayRuntimeFiles.For(paths);
            if (files.ReadPid() is { } running && IsAlive(running))
            {
                throw new CliException($"the gateway is already running (pid {running}, {files.PidFile}).");
            }

            var (host, hostArgs) = GatewayLaunch();
            var url = Url();
            if (!parse.GetValue(detach))
            {
                using var foreground = Process.Start(StartInfo(host, hostArgs, url)) ?? throw new CliException("could not start the gateway process.");
                await foreground.WaitForExitAsync(CancellationToken.None);
                return foreground.ExitCode == 0 ? ExitCodes.Ok : ExitCodes.Failure;
            }

            Directory.CreateDirectory(paths.RuntimeDirectory);
            var log = Path.Combine(paths.RuntimeDirectory, "gateway.log");
            // setsid: a new session without a controlling terminal, so closing this terminal does not stop it.
            var launcher = StartInfo("/bin/sh", ["-c", "setsid \"$@\" </dev/null >>\"$0\" 2>&1 &", log, host, .. hostArgs], url);
            using (var shell = Process.Start(launcher) ?? throw new CliException("could not start the gateway process."))
            {
                await shell.WaitForExitAsync(cancellationToken);
            }

            var health = new Uri(new Uri(url.Split(';')[0].Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1")), "/health");
            var deadline = Stopwatch.StartNew();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (deadline.Elapsed < StartTimeout)
            {
                try
                {
                    using var response = await http.GetAsync(health, cancellationToken);
                    console.Line($"Gateway started in the background (pid {files.ReadPid()?.ToString(CultureInfo.InvariantCulture) ?? "?"}) on {url}; health {(int)response.StatusCode}; log {log}.");
                    return ExitCodes.Ok;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200, cancellationToken);
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }

            throw new CliException($"the gateway did not answer {health} within {StartTimeout.TotalSeconds:0} s; see {log}.");
        });
        return command;
    }

    private static Command Stop(CliConsole console)
    {
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for a graceful stop before sending SIGTERM.", DefaultValueFactory = _ => 30 };
        var command = new Command("stop", "Stop the gateway: create the shutdown file, wait for the pid file to go, fall back to SIGTERM.") { timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = GatewayRuntimeFiles.For(AicoPaths.FromEnvironment());
            var seconds = parse.GetValue(timeout);
            if (seconds < 0)
            {
                throw new CliException("--timeout must be zero or more seconds.", ExitCodes.Usage);
            }

            if (files.ReadPid() is not { } pid || !IsAlive(pid))
            {
                console.Line($"The gateway is not running (no live process in {files.PidFile}).");
                return ExitCodes.Ok;
            }

            Directory.CreateDirectory(files.RuntimeDirectory);
            await File.WriteAllTextAsync(files.ShutdownFile, "stop requested by aico\n", cancellationToken);
            if (await WaitGoneAsync(files, pid, TimeSpan.FromSeconds(seconds), cancellationToken))
            {
                console.Line($"Gateway (pid {pid}) stopped gracefully via the shutdown file.");
                return ExitCodes.Ok;
            }

            if (File.Exists(files.ShutdownFile))
            {
                File.Delete(files.ShutdownFile);
            }

            console.Warning($"the gateway did not stop within {seconds} s of the shutdown file; sending SIGTERM.");
            if (!SendSigTerm(pid) && IsAlive(pid))
            {
                throw new CliException($"could not signal the gateway (pid {pid}).");
            }

            if (await WaitGoneAsync(files, pid, TimeSpan.FromSeconds(30), cancellationToken))
            {
                console.Line($"Gateway (pid {pid}) stopped by SIGTERM.");
                return ExitCodes.Ok;
            }

            throw new CliException($"the gateway (pid {pid}) is still running after SIGTERM.");
        });
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("status", "Show whether the gateway runs (pid file, process) and what its /api/v1/health says.") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = GatewayRuntimeFiles.For(AicoPaths.FromEnvironment());
            var pid = files.ReadPid();
            var running = pid is { } p && IsAlive(p);
            var url = Url().Split(';')[0];
            string? health = null;
            if (running)
            {
                try
                {
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                    using var response = await http.GetAsync(new Uri(new Uri(url), "/api/v1/health"), cancellationToken);
                    using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    health = body.RootElement.TryGetProperty("status", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String
                        ? s.GetString()
                        : $"HTTP {(int)response.StatusCode}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    health = "not answering";
                }
            }

            var status = new { Running = running, Pid = running ? pid : null, PidFile = files.PidFile, Url = url, Health = health };
            if (parse.GetValue(json))
            {
                console.Json(status);
            }
            else
            {
                console.Line(running ? $"Gateway running (pid {pid}) on {url}; health: {health}." : "Gateway not running.");
            }

            return running ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Token(CliConsole console)
    {
        var role = new Option<string>("--role") { Description = "admin or user.", DefaultValueFactory = _ => GatewayRoles.User };
        role.AcceptOnlyFromAmong([.. GatewayRoles.All]);
        var ttl = new Option<string>("--ttl") { Description = "Lifetime: e.g. 30m, 1h, 7d (at most 30d).", DefaultValueFactory = _ => "1h" };
        var subject = new Option<string>("--subject") { Description = "Who the token is for (the 'sub' claim).", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("token", "Print a bearer token for the gateway, signed with the installation's JWT key.") { role, ttl, subject };
        command.SetAction(parse =>
        {
            if (!DurationText.TryParse(parse.GetValue(ttl), out var lifetime))
            {
                throw new CliException($"--ttl '{parse.GetValue(ttl)}' is not a duration like {DurationText.Forms}.", ExitCodes.Usage);
            }

            if (lifetime <= TimeSpan.Zero || lifetime > GatewayTokenIssuer.MaxLifetime)
            {
                throw new CliException($"--ttl must be between 1s and {GatewayTokenIssuer.MaxLifetime.TotalDays:0}d.", ExitCodes.Usage);
            }

            var key = SecurityCommands.Run(() => new MasterKeyStore(AicoPaths.FromEnvironment()).LoadDerivation().JwtSigningKey());
            console.Line(new GatewayTokenIssuer(key).Issue(parse.GetValue(subject)!, parse.GetValue(role)!, lifetime));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Url() =>
        Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is { Length: > 0 } urls ? urls : GatewayAddress.Default;

    /// <summary>
    /// The gateway runs as `dotnet AICO.Gateway.dll`: from AICO_GATEWAY_PATH if set, else the copy the build puts in
    /// gateway/ beside aico (its own runtimeconfig and dependencies; aico itself compiles against no host).
    /// </summary>
    private static (string Host, string[] Args) GatewayLaunch()
    {
        var dll = Environment.GetEnvironmentVariable(GatewayPathVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "gateway", "AICO.Gateway.dll");
        if (!File.Exists(dll))
        {
            throw new CliException($"the gateway is not at {dll}; build it next to aico or set {GatewayPathVariable} to AICO.Gateway.dll.");
        }

        var host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnetHost ? dotnetHost : "dotnet";
        return (host, [dll]);
    }

    private static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string url)
    {
        var info = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ASPNETCORE_URLS"] = url;
        info.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        return info;
    }

    private static async Task<bool> WaitGoneAsync(GatewayRuntimeFiles files, int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!File.Exists(files.PidFile) || !IsAlive(pid))
            {
                return true;
            }

            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool SendSigTerm(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit();
        return kill?.ExitCode == 0;
    }
}
