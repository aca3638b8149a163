using System.Collections.Concurrent;
using System.IO.Compression;

namespace Cairn.Models;

/// <summary>
/// Zips several weights files (or a folder) into one temporary package, stored without
/// compression as ClearML does (weights rarely compress and zip64 keeps large files working),
/// and remembers which temporary files the SDK made so only those are ever auto-deleted.
/// </summary>
internal static class ModelPackage
{
    private static readonly ConcurrentDictionary<string, byte> SdkTemporaryFiles = new(StringComparer.Ordinal);

    /// <summary>Zips <paramref name="folder"/> recursively, paths relative to it.</summary>
    public static Task<string> ZipFolderAsync(string folder, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(folder);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        return ZipAsync(root, files, cancellationToken);
    }

    /// <summary>Zips <paramref name="files"/>, paths relative to their common folder.</summary>
    public static Task<string> ZipFilesAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var full = files.Select(Path.GetFullPath).ToList();
        return ZipAsync(CommonFolder(full), full, cancellationToken);
    }

    /// <summary>Treats <paramref name="path"/> as a temporary file the SDK made (see <c>OutputModel.AdoptTemporaryFile</c>).</summary>
    public static void AdoptTemporaryFile(string path) => SdkTemporaryFiles[Path.GetFullPath(path)] = 0;

    /// <summary>Whether the SDK made <paramref name="path"/> (and may therefore delete it).</summary>
    public static bool IsSdkTemporaryFile(string path) => SdkTemporaryFiles.ContainsKey(Path.GetFullPath(path));

    /// <summary>Deletes a temporary file the SDK made; anything else is left alone.</summary>
    public static void DeleteIfSdkTemporary(string path)
    {
        var full = Path.GetFullPath(path);
        if (SdkTemporaryFiles.TryRemove(full, out _))
        {
            File.Delete(full);
        }
    }

    private static async Task<string> ZipAsync(string root, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var zipPath = Path.Combine(Path.GetTempPath(), $"model_package.{Guid.NewGuid():N}.zip");
        SdkTemporaryFiles[zipPath] = 0;
        try
        {
            await using var output = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await using var zip = new ZipArchive(output, ZipArchiveMode.Create);
            foreach (var file in files)
            {
                var entryName = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                var entry = zip.CreateEntry(entryName, CompressionLevel.NoCompression);
                entry.LastWriteTime = File.GetLastWriteTime(file);
                await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            DeleteIfSdkTemporary(zipPath);
            throw;
        }
        return zipPath;
    }

    private static string CommonFolder(IReadOnlyList<string> files)
    {
        var common = Path.GetDirectoryName(files[0])!;
        foreach (var file in files.Skip(1))
        {
            while (!file.StartsWith(common.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                common = Path.GetDirectoryName(common) ?? Path.GetPathRoot(file)!;
            }
        }
        return common;
    }
}
