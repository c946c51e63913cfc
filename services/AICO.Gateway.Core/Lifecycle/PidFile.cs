namespace AICO.Gateway.Lifecycle;

/// <summary>gateway.pid for as long as the process serves: written once listening, removed after a full stop.</summary>
internal sealed class PidFile(string path) : IDisposable
{
    public void Write()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes the file only if it still names this process (another gateway may have started since).</summary>
    public void Dispose()
    {
        if (new GatewayRuntimeFiles(Path.GetDirectoryName(path)!).ReadPid() == Environment.ProcessId)
        {
            File.Delete(path);
        }
    }
}
