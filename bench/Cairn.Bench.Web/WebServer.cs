using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Bench.Web;

/// <summary>
/// The built Cairn server as a child process on free loopback ports, with the bench user and key
/// pair configured. Disposing it ends the process (and its tree).
/// </summary>
internal sealed class WebServer : IAsyncDisposable
{
    public const string Username = "bench";
    public const string Password = "benchpassword";
    public const string AccessKey = "BENCHKEY0001";
    public const string SecretKey = "bench-secret-0123456789";

    private const int OutputLinesKept = 40;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private WebServer(Process process, int apiPort, int webPort)
    {
        _process = process;
        ApiBase = new Uri($"http://127.0.0.1:{apiPort}/");
        WebBase = new Uri($"http://127.0.0.1:{webPort}/");
    }

    public Uri ApiBase { get; }

    public Uri WebBase { get; }

    public int Pid => _process.Id;

    public static WebServer Start(string binary, string dataDir)
    {
        var (api, web, files) = FreePorts();
        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDir,
        };
        foreach (var arg in new[]
        {
            $"--Cairn:DataDir={dataDir}", $"--Cairn:ApiPort={api}", $"--Cairn:WebPort={web}", $"--Cairn:FilesPort={files}",
            $"--Cairn:Users:0:Username={Username}", $"--Cairn:Users:0:Password={Password}",
            $"--Cairn:Credentials:0:AccessKey={AccessKey}", $"--Cairn:Credentials:0:SecretKey={SecretKey}", $"--Cairn:Credentials:0:User={Username}",
        })
        {
            info.ArgumentList.Add(arg);
        }
        // CAIRN_* variables of the caller's shell would silently change what is measured.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }
        var process = new Process { StartInfo = info };
        process.Start();
        var server = new WebServer(process, api, web);
        // Drained continuously: a full pipe would block the server's console logging.
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <c>debug.ping</c> and the web port's sign-in page until both answer.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
        var started = Stopwatch.GetTimestamp();
        foreach (var probe in new[] { new Uri(ApiBase, "debug.ping"), new Uri(WebBase, "login") })
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before answering.\n{OutputTail()}");
                }
                if (Stopwatch.GetElapsedTime(started) > limit)
                {
                    throw new TimeoutException($"The server did not answer {probe} within {limit.TotalSeconds:0} s.\n{OutputTail()}");
                }
                try
                {
                    using var response = await client.GetAsync(probe, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public string OutputTail() => string.Join('\n', _output);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > OutputLinesKept && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Three distinct free ports; the listeners are held until all three are chosen.</summary>
    private static (int Api, int Web, int Files) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
