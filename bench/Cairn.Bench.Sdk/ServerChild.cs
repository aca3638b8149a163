using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Bench.Sdk;

/// <summary>The built Cairn server as a child process on free loopback ports, with one key pair; disposing ends it.</summary>
internal sealed class ServerChild : IAsyncDisposable
{
    public const string AccessKey = "SDKBENCHKEY0001";

    public const string SecretKey = "sdk-bench-secret-0123456789";

    private readonly Process _process;

    private ServerChild(Process process, int apiPort, int filesPort)
    {
        _process = process;
        ApiBase = new Uri($"http://127.0.0.1:{apiPort}/");
        FilesBase = new Uri($"http://127.0.0.1:{filesPort}/");
    }

    public Uri ApiBase { get; }

    public Uri FilesBase { get; }

    /// <summary>The server's process id (for its CPU time).</summary>
    public int ProcessId => _process.Id;

    public static async Task<ServerChild> StartAsync(string binary, string dataDir, CancellationToken cancellationToken)
    {
        var (api, web, files) = (FreePort(), FreePort(), FreePort());
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataDir };
        foreach (var arg in new[]
        {
            $"--Cairn:DataDir={dataDir}", $"--Cairn:ApiPort={api}", $"--Cairn:WebPort={web}", $"--Cairn:FilesPort={files}",
            "--Cairn:Users:0:Username=bench", "--Cairn:Users:0:Password=benchpassword",
            $"--Cairn:Credentials:0:AccessKey={AccessKey}", $"--Cairn:Credentials:0:SecretKey={SecretKey}", "--Cairn:Credentials:0:User=bench",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {binary}.");
        // Drained so a full pipe never blocks the server's logging.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerChild(process, api, files);
        using var client = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await server.DisposeAsync();
                throw new InvalidOperationException("The server did not start.");
            }
            try
            {
                using var response = await client.GetAsync(new Uri(server.ApiBase, "debug.ping"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
