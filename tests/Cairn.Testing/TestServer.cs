using System.Net;
using System.Net.Sockets;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Testing;

/// <summary>
/// A real Cairn server on loopback ports with its own temporary data directory, a configured
/// user and key pair, and a known signing key (so tests can craft tokens).
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Username = "tester";
    public const string Password = "tester-password";
    public const string AccessKey = "TESTACCESSKEY0000000000000001";
    public const string SecretKey = "test-secret-key-0123456789abcdefghijklmnop";
    public const string SigningKey = "test-signing-key-0123456789abcdefghijklmnopqrstuvwxyz";

    private readonly WebApplication _app;

    private readonly bool _ownsDataDir;

    private TestServer(WebApplication app, string dataDir, bool ownsDataDir, int apiPort, int webPort, int filesPort)
    {
        _app = app;
        _ownsDataDir = ownsDataDir;
        DataDir = dataDir;
        ApiPort = apiPort;
        WebPort = webPort;
        FilesPort = filesPort;
    }

    public string DataDir { get; }

    public int ApiPort { get; }

    public int WebPort { get; }

    public int FilesPort { get; }

    public Uri ApiUrl => new($"http://127.0.0.1:{ApiPort}/");

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server. <paramref name="settings"/> are extra <c>--key=value</c> arguments; a given
    /// <paramref name="dataDir"/> (another server's, to act as its replica) is not deleted on dispose.
    /// </summary>
    public static async Task<TestServer> StartAsync(IEnumerable<string>? settings = null, Action<WebApplicationBuilder>? configure = null, bool seedUser = true, string? dataDir = null)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("cairn-test-").FullName;
        // A free port can be taken by another test process between FreePort and Kestrel's bind;
        // such a start is retried on fresh ports (the data directory is reused, as on a restart).
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts(3);
            var (api, web, files) = (ports[0], ports[1], ports[2]);
            var app = await CairnServer.BuildAsync([.. Arguments(dataDir, api, web, files, seedUser, settings)], configure);
            try
            {
                await app.StartAsync();
                return new TestServer(app, dataDir, ownsDataDir, api, web, files);
            }
            catch (IOException e) when (attempt < 5 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await app.DisposeAsync();
            }
        }
    }

    private static List<string> Arguments(string dataDir, int api, int web, int files, bool seedUser, IEnumerable<string>? settings)
    {
        var args = new List<string>
        {
            $"--Cairn:DataDir={dataDir}",
            $"--Cairn:ApiPort={api}",
            $"--Cairn:WebPort={web}",
            $"--Cairn:FilesPort={files}",
            $"--Cairn:JwtSigningKey={SigningKey}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (seedUser)
        {
            args.AddRange(
            [
                $"--Cairn:Users:0:Username={Username}",
                $"--Cairn:Users:0:Password={Password}",
                "--Cairn:Users:0:Name=Test User",
                "--Cairn:Users:0:Role=user",
                $"--Cairn:Credentials:0:AccessKey={AccessKey}",
                $"--Cairn:Credentials:0:SecretKey={SecretKey}",
                $"--Cairn:Credentials:0:User={Username}",
            ]);
        }
        args.AddRange(settings ?? []);
        return args;
    }

    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>A client for the API port, authenticated with the seeded key pair unless told otherwise.</summary>
    public ApiClient Client(bool authenticated = true) =>
        new(ApiUrl, authenticated ? ApiClient.Basic(AccessKey, SecretKey) : null);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (!_ownsDataDir)
        {
            return; // A replica on another server's data directory leaves it to that server.
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only leaves a temp directory behind.
        }
    }

    public static int FreePort() => FreePorts(1)[0];

    /// <summary>Distinct free ports: all are held open together while they are picked, so none repeats.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
