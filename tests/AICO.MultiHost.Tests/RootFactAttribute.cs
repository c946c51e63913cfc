using System.Runtime.InteropServices;

namespace AICO.MultiHost.Tests;

/// <summary>A fact that needs root (it creates network namespaces); skipped with the reason when not root or without iproute2.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (geteuid() != 0)
        {
            Skip = "needs root: this test creates network namespaces and veth links with `ip netns` (run as root, as CI does)";
        }
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            Skip = "needs iproute2 (`ip`) to create network namespaces";
        }
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}
