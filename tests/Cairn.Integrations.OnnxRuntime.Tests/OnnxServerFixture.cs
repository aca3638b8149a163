using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Integrations.OnnxRuntime.Tests;

/// <summary>A real server and an SDK session on it with its own cache and work folders.</summary>
public sealed class OnnxServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    private ClearMLSession? _session;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public ClearMLSession Session => _session ?? throw new InvalidOperationException("The server has not started.");

    public string FilesHost => $"http://127.0.0.1:{Server.FilesPort}";

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("cairn-onnx-work-").FullName;

    private string CacheDir { get; } = Directory.CreateTempSubdirectory("cairn-onnx-cache-").FullName;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _session = new ClearMLSession(new ClearMLSettings
        {
            ApiHost = _server.ApiUrl,
            FilesHost = new Uri(FilesHost),
            AccessKey = TestServer.AccessKey,
            SecretKey = TestServer.SecretKey,
            CacheDirectory = CacheDir,
            RetryDeadline = TimeSpan.FromSeconds(10),
        });
    }

    /// <summary>A copy of the tiny linear ONNX model under a folder no other test uses, named <paramref name="fileName"/>.</summary>
    public string NewModel(string fileName)
    {
        var path = NewPath(fileName);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "linear.onnx"), path);
        return path;
    }

    /// <summary>A path under the work folder no other test uses.</summary>
    public string NewPath(string fileName) => Path.Combine(Directory.CreateDirectory(Path.Combine(WorkDir, Guid.NewGuid().ToString("N"))).FullName, fileName);

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
