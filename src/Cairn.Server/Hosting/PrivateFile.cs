namespace Cairn.Server.Hosting;

/// <summary>Files that hold secrets (signing key, first-start credentials) are readable by their owner only.</summary>
internal static class PrivateFile
{
    public static FileStream Create(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new FileStream(path, options);
    }
}
