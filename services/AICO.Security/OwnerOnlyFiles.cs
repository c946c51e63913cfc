namespace AICO.Security;

/// <summary>Secret-bearing files: created 0600 inside 0700 directories, replaced atomically (write a temp file, rename).</summary>
internal static class OwnerOnlyFiles
{
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode Directory = File | UnixFileMode.UserExecute;

    /// <summary>Writes <paramref name="content"/> to a new 0600 temp file next to <paramref name="path"/> and returns its name.</summary>
    public static string WriteTemp(string path, ReadOnlySpan<byte> content)
    {
        EnsureDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = File;
        }

        using var stream = new FileStream(temp, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
        return temp;
    }

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="content"/>, mode 0600.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content) => System.IO.File.Move(WriteTemp(path, content), path, overwrite: true);

    /// <summary>Mode bits for group or others on <paramref name="path"/>, or null when there are none (or on Windows).</summary>
    public static UnixFileMode? LooseMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = System.IO.File.GetUnixFileMode(path);
        return (mode & ~(File | UnixFileMode.UserExecute)) != 0 ? mode : null;
    }

    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    public static void EnsureDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
            return;
        }

        var existed = System.IO.Directory.Exists(directory);
        System.IO.Directory.CreateDirectory(directory, Directory);
        if (!existed)
        {
            System.IO.File.SetUnixFileMode(directory, Directory);
        }
    }
}
