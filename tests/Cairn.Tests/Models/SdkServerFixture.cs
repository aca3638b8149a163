using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Models;

/// <summary>A real server plus an SDK session on it with its own cache folder, shared by a test class.</summary>
public sealed class SdkServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    private ClearMLSession? _session;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public ClearMLSession Session => _session ?? throw new InvalidOperationException("The server has not started.");

    public string FilesHost => $"http://127.0.0.1:{Server.FilesPort}";

    public string CacheDir { get; } = Directory.CreateTempSubdirectory("cairn-sdk-cache-").FullName;

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("cairn-sdk-work-").FullName;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _session = new ClearMLSession(SettingsFor(_server, CacheDir));
    }

    public static ClearMLSettings SettingsFor(TestServer server, string cacheDir) => new()
    {
        ApiHost = server.ApiUrl,
        FilesHost = new Uri($"http://127.0.0.1:{server.FilesPort}"),
        AccessKey = TestServer.AccessKey,
        SecretKey = TestServer.SecretKey,
        CacheDirectory = cacheDir,
        RetryDeadline = TimeSpan.FromSeconds(10),
    };

    /// <summary>A new file of <paramref name="size"/> pseudo-random bytes under the work folder.</summary>
    public string WriteFile(string name, int size, int seed = 1)
    {
        var path = Path.Combine(WorkDir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A project name no other test uses.</summary>
    public static string UniqueProject(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        foreach (var dir in new[] { CacheDir, WorkDir })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A file still open only leaves a temp folder behind.
            }
        }
    }
}
