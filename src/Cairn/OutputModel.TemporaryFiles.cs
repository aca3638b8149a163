using Cairn.Models;

namespace Cairn;

public sealed partial class OutputModel
{
    /// <summary>
    /// Hands <paramref name="path"/> to the SDK as one of its own temporary files: an
    /// <c>UpdateWeightsAsync</c> of it with <c>autoDeleteFile</c> (the default) deletes it
    /// once its upload has ended, stored or failed. For integrations that upload a private copy of
    /// a file the user may overwrite (a checkpoint saved again to the same path).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or no such file exists.</exception>
    public static void AdoptTemporaryFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"'{path}' given as path does not exist.", nameof(path));
        }
        ModelPackage.AdoptTemporaryFile(path);
    }
}
