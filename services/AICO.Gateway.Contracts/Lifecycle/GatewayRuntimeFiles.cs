using AICO.Security;

namespace AICO.Gateway.Lifecycle;

/// <summary>The files the gateway and `aico gateway stop` meet on, in the runtime directory.</summary>
public sealed record GatewayRuntimeFiles(string RuntimeDirectory)
{
    public string ShutdownFile => Path.Combine(RuntimeDirectory, "gateway.shutdown");
    public string PidFile => Path.Combine(RuntimeDirectory, "gateway.pid");

    public static GatewayRuntimeFiles For(AicoPaths paths) => new(paths.RuntimeDirectory);

    /// <summary>The pid in the pid file, or null when there is none or it is not a number.</summary>
    public int? ReadPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;
}
