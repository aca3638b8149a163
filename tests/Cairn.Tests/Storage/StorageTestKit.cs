using System.Security.Cryptography;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;
using Cairn.Testing;

namespace Cairn.Tests.Storage;

/// <summary>Helpers shared by the storage tests: sessions on a real server, temp folders, random files.</summary>
internal static class StorageTestKit
{
    public static Uri FilesHost(TestServer server) => new($"http://127.0.0.1:{server.FilesPort}");

    public static ClearMLSettings Settings(TestServer server, string cacheDirectory, long? cacheLimit = null) => new()
    {
        ApiHost = server.ApiUrl,
        FilesHost = FilesHost(server),
        AccessKey = TestServer.AccessKey,
        SecretKey = TestServer.SecretKey,
        CacheDirectory = cacheDirectory,
        CacheSizeLimitBytes = cacheLimit,
        RetryDeadline = TimeSpan.FromSeconds(10),
    };

    public static (ClearMLSession Session, StorageManager Storage) Open(ClearMLSettings settings)
    {
        var session = new ClearMLSession(settings);
        return (session, new StorageManager(session));
    }

    public static string RandomFile(string folder, string name, int size)
    {
        var path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    public static string NewTaskId() => Guid.NewGuid().ToString("N");
}

/// <summary>A temp folder deleted with the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cairn-sdk-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere only leaves a temp folder behind.
        }
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later).</summary>
internal sealed class ProgressLog : IProgress<TransferProgress>
{
    public List<TransferProgress> Reports { get; } = [];

    public void Report(TransferProgress value)
    {
        lock (Reports)
        {
            Reports.Add(value);
        }
    }
}
