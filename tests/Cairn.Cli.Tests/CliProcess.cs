using System.Diagnostics;
using System.Text.Json.Nodes;
using Cairn.Testing;

namespace Cairn.Cli.Tests;

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public CliResult Ok()
    {
        Xunit.Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    public JsonNode Json() => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout is not JSON: " + Stdout);
}

/// <summary>
/// Runs the real <c>cairn</c> (the built Cairn.Cli.dll) as a process with a home folder and
/// environment of its own: no CLEARML_* variable of the machine leaks in, and by default the
/// environment points it at the server with the seeded key pair, as a user's would.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    public CliProcess(TestServer? server, bool configureEnvironment = true)
    {
        Home = Directory.CreateTempSubdirectory("cairn-cli-home-").FullName;
        Environment["HOME"] = Home;
        Environment["CLEARML_CACHE_DIR"] = Path.Combine(Home, "cache");
        if (server is not null && configureEnvironment)
        {
            Environment["CLEARML_API_HOST"] = server.ApiUrl.ToString();
            Environment["CLEARML_WEB_HOST"] = $"http://127.0.0.1:{server.WebPort}";
            Environment["CLEARML_FILES_HOST"] = $"http://127.0.0.1:{server.FilesPort}";
            Environment["CLEARML_API_ACCESS_KEY"] = TestServer.AccessKey;
            Environment["CLEARML_API_SECRET_KEY"] = TestServer.SecretKey;
        }
    }

    public string Home { get; }

    public Dictionary<string, string> Environment { get; } = [];

    public static string CliDll { get; } = FindCli();

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Home,
        };
        start.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CLEARML_", StringComparison.Ordinal) || k.StartsWith("TRAINS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cairn {string.Join(' ', args)} did not finish within {RunTimeout}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A file still open only leaves a temporary folder behind.
        }
    }

    private static string FindCli()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Cairn.slnx")))
        {
            folder = folder.Parent;
        }
        if (folder is null)
        {
            throw new InvalidOperationException("The repository root (Cairn.slnx) is not above " + AppContext.BaseDirectory);
        }
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(folder.FullName, "src", "Cairn.Cli", "bin", configuration, "net10.0", "Cairn.Cli.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/Cairn.Cli first", dll);
    }
}
