using System.Diagnostics;
using System.Text;

namespace Cairn.Testing;

/// <summary>
/// The built server (Cairn.Server.dll next to the tests) as a process of its own, on free ports,
/// with its own data directory, the seeded user and key pair of <see cref="TestServer"/> and its
/// signing key: what a replica behind a load balancer is. Disposing kills it and removes the folder.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, string dataDir, int apiPort, int webPort, int filesPort)
    {
        _process = process;
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

    /// <summary>What the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a server process with extra <c>--key=value</c> <paramref name="settings"/> and waits until /health/ready answers 200.
    /// <paramref name="executable"/> runs a published server binary instead of <c>dotnet Cairn.Server.dll</c>.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> settings, TimeSpan? timeout = null, string? executable = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-replica-").FullName;
        var ports = TestServer.FreePorts(3);
        var info = new ProcessStartInfo(executable ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDir,
        };
        if (executable is null)
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cairn.Server.dll"));
        }
        foreach (var arg in new[]
        {
            $"--Cairn:DataDir={dataDir}", $"--Cairn:ApiPort={ports[0]}", $"--Cairn:WebPort={ports[1]}", $"--Cairn:FilesPort={ports[2]}",
            $"--Cairn:JwtSigningKey={TestServer.SigningKey}", "--Logging:LogLevel:Default=Warning",
            $"--Cairn:Users:0:Username={TestServer.Username}", $"--Cairn:Users:0:Password={TestServer.Password}", "--Cairn:Users:0:Name=Test User",
            $"--Cairn:Credentials:0:AccessKey={TestServer.AccessKey}", $"--Cairn:Credentials:0:SecretKey={TestServer.SecretKey}",
            $"--Cairn:Credentials:0:User={TestServer.Username}",
        }.Concat(settings))
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        var server = new ServerProcess(process, dataDir, ports[0], ports[1], ports[2]);
        // Drained (and kept) so a full pipe never blocks the server's logging.
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(timeout ?? TimeSpan.FromMinutes(2));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server process exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(ApiUrl, "health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The server process was not ready within {timeout}:\n{Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A client for the API port, authenticated with the seeded key pair.</summary>
    public ApiClient Client() => new(ApiUrl, ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still open only leaves a temp directory behind.
        }
    }
}
