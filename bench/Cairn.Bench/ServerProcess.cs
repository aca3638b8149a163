using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Bench;

/// <summary>
/// One Cairn server running as a child process on free loopback ports. Disposing it always
/// ends the process; <see cref="KillAll"/> is the last resort for Ctrl+C and unexpected exits.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int OutputLinesKept = 40;
    private static readonly ConcurrentDictionary<int, Process> Live = new();

    private readonly Process _process;
    private readonly long _startTimestamp;
    private readonly ConcurrentQueue<string> _output = new();
    private int _errorLines;

    private ServerProcess(Process process, long startTimestamp, int apiPort, int filesPort)
    {
        _process = process;
        _startTimestamp = startTimestamp;
        ApiBase = new Uri($"http://127.0.0.1:{apiPort}/");
        FilesBase = new Uri($"http://127.0.0.1:{filesPort}/");
    }

    public Uri ApiBase { get; }

    public Uri FilesBase { get; }

    public int Pid => _process.Id;

    /// <summary>Log entries at error level or above ("fail:"/"crit:" from the console logger) so far.</summary>
    public int ErrorLogEntries => Volatile.Read(ref _errorLines);

    /// <summary>Starts the binary; the start clock is read immediately before the process is created.</summary>
    public static ServerProcess Start(string binary, string dataDir, IEnumerable<string> extraArgs)
    {
        var (api, web, files) = FreePorts();
        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDir,
        };
        info.ArgumentList.Add($"--Cairn:DataDir={dataDir}");
        info.ArgumentList.Add($"--Cairn:ApiPort={api}");
        info.ArgumentList.Add($"--Cairn:WebPort={web}");
        info.ArgumentList.Add($"--Cairn:FilesPort={files}");
        foreach (var arg in extraArgs)
        {
            info.ArgumentList.Add(arg);
        }
        // CAIRN_* variables of the caller's shell would silently change what is measured.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        var process = new Process { StartInfo = info };
        var start = Stopwatch.GetTimestamp();
        process.Start();
        Live[process.Id] = process;
        var server = new ServerProcess(process, start, api, files);
        // Drained continuously: a full pipe would block the server's console logging.
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>
    /// Polls <c>debug.ping</c> until the first HTTP 200 and returns the time since process start.
    /// A refused connection fails at once, so the 1 ms pause between attempts is the resolution;
    /// a pure spin would take a core away from the starting server on a small machine.
    /// </summary>
    public async Task<TimeSpan> WaitUntilReadyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
        var ping = new Uri(ApiBase, "debug.ping");
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(_startTimestamp);
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before answering.\n{OutputTail()}");
            }
            if (elapsed > limit)
            {
                throw new TimeoutException($"The server did not answer debug.ping within {limit.TotalSeconds:0} s.\n{OutputTail()}");
            }
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(250));
            try
            {
                using var response = await client.GetAsync(ping, attempt.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return Stopwatch.GetElapsedTime(_startTimestamp);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This attempt timed out; the next one may succeed.
            }
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Asks for a graceful stop (SIGTERM) so the next start sees a cleanly closed database.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
            });
            if (kill is not null)
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // No kill(1), or the server ignored SIGTERM: DisposeAsync kills it.
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
            Live.TryRemove(_process.Id, out _);
            _process.Dispose();
        }
    }

    /// <summary>Kills every server still running; for Ctrl+C, process exit and failed runs.</summary>
    public static void KillAll()
    {
        foreach (var (pid, process) in Live)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
            Live.TryRemove(pid, out _);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _errorLines);
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
