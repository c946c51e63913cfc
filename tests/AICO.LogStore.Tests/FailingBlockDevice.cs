using System.Runtime.InteropServices;

namespace AICO.LogStore.Tests;

/// <summary>
/// An ext2 file system on a loop device over a sparse file, mounted on a directory, whose device can be made to answer
/// block I/O with EIO and healed again without losing what it holds. Failing sets the loop device's size limit to its
/// first 4 KiB (LOOP_SET_STATUS64, after the kernel flushed what was dirty): the block layer answers every access
/// beyond the end with EIO ("attempt to access beyond end of device"); healing sets the limit back to the whole file.
/// device-mapper's error target would be the usual tool, but this kernel has no device-mapper; loop devices are
/// enough. ext2 because it has no journal: ext4 aborts its journal at the first failed journal write and stays
/// read-only until it is mounted again, a disk that comes back would not be seen as back. Root only; Dispose heals,
/// unmounts, detaches and deletes the file, whatever state the test left.
/// </summary>
internal sealed class FailingBlockDevice : IDisposable
{
    private const ulong LoopSetStatus64 = 0x4C04;
    private const ulong LoopGetStatus64 = 0x4C05;
    private const int LoopInfo64Size = 232;
    private const int SizeLimitOffset = 32;
    private const long FailedSize = 4096;

    private readonly string _image;
    private readonly string _mountPoint;
    private string? _device;
    private bool _mounted;

    private FailingBlockDevice(string image, string mountPoint)
    {
        _image = image;
        _mountPoint = mountPoint;
    }

    /// <summary>Creates a file system of <paramref name="size"/> bytes and mounts it on <paramref name="directory"/> (mode 0700, empty).</summary>
    public static FailingBlockDevice MountAt(string directory, long size)
    {
        var device = new FailingBlockDevice(Path.Combine(Path.GetTempPath(), $"aico-eio-{Guid.NewGuid():N}.img"), directory);
        try
        {
            using (var file = File.Create(device._image))
            {
                file.SetLength(size);
            }

            device._device = RootCommand.Run("losetup", "--find", "--show", device._image);
            RootCommand.Run("mkfs.ext2", "-q", device._device);
            RootCommand.Run("mount", "-t", "ext2", "-o", "errors=continue", device._device, directory);
            device._mounted = true;
            Directory.Delete(Path.Combine(directory, "lost+found"));
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public string Device => _device ?? throw new InvalidOperationException("no loop device attached");

    /// <summary>From now on every block I/O beyond the first 4 KiB fails with EIO.</summary>
    public void Fail() => SetSizeLimit(FailedSize);

    /// <summary>The whole device answers again, with everything written before the failure.</summary>
    public void Heal() => SetSizeLimit(0);

    public void Dispose()
    {
        var problems = new List<string?>();
        if (_device is not null)
        {
            try
            {
                Heal();
            }
            catch (IOException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (_mounted)
        {
            // A child still holding a file would make a plain unmount refuse: detach it lazily then.
            if (RootCommand.TryRun("umount", _mountPoint) is not null)
            {
                problems.Add(RootCommand.TryRun("umount", "-l", _mountPoint));
            }

            _mounted = false;
        }

        if (_device is not null)
        {
            problems.Add(RootCommand.TryRun("losetup", "--detach", _device));
            _device = null;
        }

        File.Delete(_image);
        problems.RemoveAll(p => p is null);
        Assert.True(problems.Count == 0, "clean-up of the failing device: " + string.Join("; ", problems));
    }

    private void SetSizeLimit(long bytes)
    {
        var handle = Open(Device, OpenReadWrite);
        if (handle < 0)
        {
            throw new IOException($"cannot open {Device}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            var info = new byte[LoopInfo64Size];
            Check(Ioctl(handle, LoopGetStatus64, info), "LOOP_GET_STATUS64");
            var limit = (ulong)bytes;
            MemoryMarshal.Write(info.AsSpan(SizeLimitOffset), in limit);
            Check(Ioctl(handle, LoopSetStatus64, info), "LOOP_SET_STATUS64");
        }
        finally
        {
            _ = Close(handle);
        }
    }

    private void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"{what} on {Device} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int OpenReadWrite = 2;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, [In, Out] byte[] argument);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
