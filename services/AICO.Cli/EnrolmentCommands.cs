using System.CommandLine;
using AICO.Bus;
using AICO.Security;

namespace AICO.Cli;

/// <summary>
/// `aico security enroll|join|revoke`: give a component instance on another host its own keys (a bundle, never the
/// master key), install that bundle there, and take the key away again. A running broker reloads the list at once.
/// </summary>
public static class EnrolmentCommands
{
    public static void AddTo(Command security, CliConsole console)
    {
        security.Subcommands.Add(Enroll(console));
        security.Subcommands.Add(Join(console));
        security.Subcommands.Add(Revoke(console));
    }

    private static Command Enroll(CliConsole console)
    {
        var component = new Argument<string>("component") { Description = $"The component that runs on the other host ({string.Join(", ", Components.Clients)})." };
        var name = new Option<string?>("--name") { Description = "Instance name (component@NAME); default: a random host-xxxxxx." };
        var output = new Option<string>("--out") { Description = "Where to write the bundle (mode 0600).", Required = true };
        var endpoint = new Option<string?>("--endpoint") { Description = $"The bus endpoint the other host dials, tcp://HOST:PORT (default: {BusCommands.EndpointVariable} or {BrokerOptions.DefaultEndpoint})." };
        var force = CliOptions.Force("Overwrite an existing --out file.");
        var command = new Command("enroll", "Enrol a component instance on another host: write its bundle and allow-list its key.")
        {
            component, name, output, endpoint, force,
        };
        command.SetAction(parse =>
        {
            var paths = AicoPaths.FromEnvironment();
            var bus = parse.GetValue(endpoint) ?? Environment.GetEnvironmentVariable(BusCommands.EndpointVariable) ?? BrokerOptions.DefaultEndpoint;
            var bundle = SecurityCommands.Run(() => new EnrolmentRegistry(paths).Enrol(
                parse.GetValue(component)!, parse.GetValue(name), bus.Trim(), new MasterKeyStore(paths).LoadDerivation(),
                parse.GetValue(output)!, parse.GetValue(force)));
            if (BusEndpoints.IsLoopback(bundle.BusEndpoint))
            {
                console.Warning($"the bundle names {bundle.BusEndpoint}, which only this machine can reach; pass --endpoint tcp://HOST:PORT with an address the other host can dial.");
            }

            console.Line($"Enrolled {bundle.Instance} (public key {bundle.KeyPair.PublicKeyZ85}) of installation {bundle.Installation}.");
            console.Line($"Bundle: {Path.GetFullPath(parse.GetValue(output)!)} (mode 0600, holds the instance's secret key; move it, do not keep copies).");
            console.Line($"On the other host: aico security join FILE, then start {bundle.Component}. It dials {bundle.BusEndpoint}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Join(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "The bundle written by 'aico security enroll' on the installation's host." };
        var force = CliOptions.Force("Replace bundles joined earlier (of this component, or of another installation).");
        var command = new Command("join", "Install an enrolment bundle into this host's data directory.") { file, force };
        command.SetAction(parse =>
        {
            var joined = new JoinedBundles(AicoPaths.FromEnvironment());
            var bundle = SecurityCommands.Run(() => joined.Install(parse.GetValue(file)!, parse.GetValue(force)));
            console.Line($"Joined installation {bundle.Installation} as {bundle.Instance}; bus endpoint {bundle.BusEndpoint}.");
            console.Line($"Installed at {joined.Paths.JoinedBundleFile(bundle.Component)} (mode 0600). The {bundle.Component} host started with {AicoPaths.DataDirVariable}={joined.Paths.DataDirectory} uses it.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CliConsole console)
    {
        var target = new Argument<string>("name") { Description = "An instance (component@name or name), or a component to revoke all its enrolled instances." };
        var command = new Command("revoke", "Remove enrolled instances from the allow-list; a running broker disconnects them within 5 s.") { target };
        command.SetAction(parse =>
        {
            var revoked = SecurityCommands.Run(() => new EnrolmentRegistry(AicoPaths.FromEnvironment()).Revoke(parse.GetValue(target)!));
            foreach (var instance in revoked)
            {
                console.Line($"Revoked {instance.Instance} (public key {instance.PublicKeyZ85}).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
