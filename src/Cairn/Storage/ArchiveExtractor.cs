using System.Formats.Tar;
using System.IO.Compression;

namespace Cairn.Storage;

/// <summary>Extracts <c>.zip</c>, <c>.tar.gz</c>/<c>.tgz</c> and <c>.tar</c> archives into a folder, atomically.</summary>
internal static class ArchiveExtractor
{
    private static readonly string[] Suffixes = [".tar.gz", ".tgz", ".zip", ".tar"];

    /// <summary>The archive suffix of <paramref name="fileName"/>, or null when it is not an archive.</summary>
    public static string? ArchiveSuffix(string fileName) =>
        Suffixes.FirstOrDefault(s => fileName.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Extracts into a temporary sibling folder and renames it to <paramref name="folder"/>, so a
    /// reader sees all of it or nothing; when another writer got there first, its folder is kept.
    /// Entries that would land outside the folder are refused by the framework's extractors.
    /// </summary>
    public static async Task ExtractAsync(string archive, string folder, CancellationToken cancellationToken)
    {
        await AtomicFile.WriteFolderAsync(folder, async temp =>
        {
            var suffix = ArchiveSuffix(archive) ?? ArchiveSuffix(folder) ?? ".zip";
            if (suffix == ".zip")
            {
                await ZipFile.ExtractToDirectoryAsync(archive, temp, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var file = TransferCopy.OpenRead(archive);
                await using Stream tar = suffix == ".tar" ? file : new GZipStream(file, CompressionMode.Decompress);
                await TarFile.ExtractToDirectoryAsync(tar, temp, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }
}
