namespace AICO.Logging.Spool;

/// <summary>File operations of a spool that must not fail the caller (best effort) or must keep the files private.</summary>
internal static class SpoolFiles
{
    public static void TryTruncate(FileStream stream, long length)
    {
        try
        {
            stream.SetLength(length);
            stream.Position = length;
        }
        catch (IOException)
        {
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
