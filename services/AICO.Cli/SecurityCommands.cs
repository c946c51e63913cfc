using System.CommandLine;
using AICO.Security;

namespace AICO.Cli;

/// <summary>`aico security`: the per-install master key and the public keys derived from it.</summary>
public static class SecurityCommands
{
    public static Command Create(CliConsole console)
    {
        var group = new Command("security", "Manage the master key and show the derived public keys.");
        group.Subcommands.Add(Init(console));
        group.Subcommands.Add(Status(console));
        EnrolmentCommands.AddTo(group, console);
        return group;
    }

    private static Command Init(CliConsole console)
    {
        var force = CliOptions.Force("Replace an existing master key (the existing database becomes unreadable).");
        var command = new Command("init", "Create the master key in the data directory.") { force };
        command.SetAction(parse =>
        {
            var store = new MasterKeyStore(AicoPaths.FromEnvironment());
            var replacing = store.Exists;
            Run(() => store.Create(parse.GetValue(force)));
            if (replacing)
            {
                console.Warning("the previous master key was replaced; data encrypted with it cannot be read any more.");
            }

            console.Line($"Created master key at {store.Paths.MasterKeyFile} (mode 0600).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var json = CliOptions.Json();
        var command = new Command("status", "Show whether the key store exists, its file mode and each component's CURVE public key.") { json };
        command.SetAction(parse =>
        {
            var store = new MasterKeyStore(AicoPaths.FromEnvironment());
            var derivation = store.Exists ? Run(store.LoadDerivation) : null;
            var mode = store.FileMode;
            var enrolled = Run(() => new EnrolmentRegistry(store.Paths).Read());
            var joined = Run(() => new JoinedBundles(store.Paths).List());
            var status = new
            {
                Exists = store.Exists,
                DataDirectory = store.Paths.DataDirectory,
                Path = store.Paths.MasterKeyFile,
                FileMode = mode is { } m ? Convert.ToString((int)m, 8).PadLeft(4, '0') : null,
                Components = derivation is null
                    ? []
                    : Components.All.Select(c => new { Name = c, CurvePublicKey = derivation.CurveKeyPair(c).PublicKeyZ85 }).ToArray(),
                Enrolled = enrolled.Select(e => new { e.Instance, CurvePublicKey = e.PublicKeyZ85, e.EnrolledAt, e.RevokedAt, State = e.IsRevoked ? "revoked" : "active" }).ToArray(),
                Joined = joined.Select(b => new { b.Instance, b.Installation, b.BusEndpoint, CurvePublicKey = b.KeyPair.PublicKeyZ85 }).ToArray(),
            };

            if (parse.GetValue(json))
            {
                console.Json(status);
                return ExitCodes.Ok;
            }

            foreach (var b in status.Joined)
            {
                console.Line($"Joined {b.Instance} of installation {b.Installation}: bus {b.BusEndpoint}, public key {b.CurvePublicKey}");
            }

            if (!status.Exists)
            {
                if (status.Joined.Length > 0)
                {
                    return ExitCodes.Ok;
                }

                console.Line($"No key store at {status.Path}. Run 'aico security init'.");
                return ExitCodes.Failure;
            }

            console.Line($"Key store: {status.Path} (mode {status.FileMode})");
            foreach (var c in status.Components)
            {
                console.Line($"  {c.Name,-13} {c.CurvePublicKey}");
            }

            console.Line(status.Enrolled.Length == 0 ? "Enrolled instances: none" : "Enrolled instances:");
            foreach (var e in status.Enrolled)
            {
                console.Line($"  {e.Instance,-32} {e.State,-8} {e.CurvePublicKey} enrolled {e.EnrolledAt:yyyy-MM-ddTHH:mm:ssZ}{(e.RevokedAt is { } r ? $", revoked {r:yyyy-MM-ddTHH:mm:ssZ}" : "")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static void Run(Action action) => Run(() => { action(); return true; });

    /// <summary>Turns key store failures into a clean CLI error (exit 1), not a stack trace.</summary>
    internal static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (KeyStoreException ex)
        {
            throw new CliException(ex.Message);
        }
    }
}
