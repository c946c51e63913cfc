using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AICO.MultiHost.Tests;

/// <summary>
/// A network namespace this test creates and deletes (`ip netns`): a host of its own, with loopback up. Sockets for the
/// test itself are made inside it by a thread that entered the namespace (setns), so the test can reach services that
/// listen on the namespace's loopback without giving the machine's own namespace any address.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetworkNamespace Create(string name)
    {
        Ip("netns", "add", name);
        var ns = new NetworkNamespace(name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>A veth pair between two namespaces, each end with an address on one /30.</summary>
    public static void Link(NetworkNamespace a, string aName, string aAddress, NetworkNamespace b, string bName, string bAddress)
    {
        Ip("link", "add", aName, "netns", a.Name, "type", "veth", "peer", "name", bName, "netns", b.Name);
        a.Exec("ip", "addr", "add", aAddress + "/30", "dev", aName);
        b.Exec("ip", "addr", "add", bAddress + "/30", "dev", bName);
        a.Exec("ip", "link", "set", aName, "up");
        b.Exec("ip", "link", "set", bName, "up");
    }

    public void SetLink(string device, bool up) => Exec("ip", "link", "set", device, up ? "up" : "down");

    /// <summary>Starts `command` inside this namespace (`ip netns exec` replaces itself with it: the pid is the command's).</summary>
    public ProcessStartInfo StartInfo(string command, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["netns", "exec", Name, command, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>The same process, started inside this namespace, with the same environment.</summary>
    public ProcessStartInfo Inside(ProcessStartInfo info)
    {
        var wrapped = StartInfo(info.FileName, [.. info.ArgumentList]);
        wrapped.RedirectStandardInput = info.RedirectStandardInput;
        foreach (var (name, value) in info.Environment)
        {
            wrapped.Environment[name] = value;
        }

        return wrapped;
    }

    public void Exec(string command, params string[] args) => Run(StartInfo(command, args));

    /// <summary>A TCP socket created inside this namespace; it stays there whichever thread uses it later.</summary>
    public Task<Socket> CreateSocketAsync()
    {
        var created = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                created.SetResult(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
            }
            catch (Exception ex)
            {
                created.SetException(ex);
            }
        }) { IsBackground = true, Name = "netns " + Name };
        thread.Start();
        return created.Task;
    }

    /// <summary>Deletes the namespace (and with it its end of every veth pair, which removes the pair).</summary>
    public void Dispose()
    {
        try
        {
            Ip("netns", "del", Name);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"cleanup: {ex.Message}");
        }
    }

    private static void Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Run(info);
    }

    private static void Run(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} failed ({process.ExitCode}): {stderr.Trim()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}
