using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Compat.Tests;

/// <summary>
/// Where the real ClearML Python SDK and Debian's Python are, and how a script is run with them
/// against a test server. <c>scripts/services/10-python.sh</c> exports
/// <c>CAIRN_TEST_PYTHON</c> and <c>CAIRN_TEST_CLEARML_SDK</c>; without them the SDK is looked
/// for beside the repository (<c>../shared/vendor/clearml-1.17.0</c>), as on CI.
/// </summary>
public static class RealSdk
{
    public const string SdkFolderName = "clearml-1.17.0";

    public static string Python => Environment.GetEnvironmentVariable("CAIRN_TEST_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    /// <summary>The SDK folder (the one holding <c>clearml/</c>), or null when there is none.</summary>
    public static string? SdkFolder { get; } = FindSdk();

    /// <summary>Why the suite cannot run here; null when it can.</summary>
    public static string? Missing { get; } = SdkFolder is null
        ? $"The real ClearML SDK was not found: set CLEARML_SDK_DIR (or CAIRN_TEST_CLEARML_SDK) to a folder holding ClearML 1.17.0's clearml/ package, e.g. ../shared/vendor/{SdkFolderName}."
        : !File.Exists(Python) ? $"No Python at {Python}: run scripts/test.sh (it installs Debian's python3 packages) or set CAIRN_TEST_PYTHON." : null;

    /// <summary>On CI a missing SDK fails the suite; on a developer's machine it is skipped.</summary>
    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? FindSdk()
    {
        foreach (var variable in new[] { "CAIRN_TEST_CLEARML_SDK", "CLEARML_SDK_DIR" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } folder)
            {
                return Directory.Exists(Path.Combine(folder, "clearml")) ? Path.GetFullPath(folder) : null;
            }
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cairn.slnx")))
            {
                var beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "vendor", SdkFolderName));
                return Directory.Exists(Path.Combine(beside, "clearml")) ? beside : null;
            }
        }
        return null;
    }

    /// <summary>
    /// Runs <c>python/&lt;script&gt;</c> with the real SDK pointed at <paramref name="server"/>, in a
    /// throwaway HOME (no clearml.conf of the machine is read), and returns its results file.
    /// A failed script fails the test with the script's output.
    /// </summary>
    public static async Task<SdkResults> RunAsync(TestServer server, string script, params string[] arguments)
    {
        Assert.True(Missing is null, Missing);
        var home = Directory.CreateTempSubdirectory("cairn-sdk-home-").FullName;
        try
        {
            var results = Path.Combine(home, "results.json");
            var start = new ProcessStartInfo(Python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = home,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CLEARML_", StringComparison.Ordinal) || k.StartsWith("TRAINS_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }
            var environment = start.Environment;
            environment["HOME"] = home;
            environment["PYTHONPATH"] = string.Join(':', Path.Combine(AppContext.BaseDirectory, "python"), SdkFolder!);
            // Bytecode goes to a temp folder: the vendored SDK folder is never written to.
            environment["PYTHONPYCACHEPREFIX"] = Path.Combine(Path.GetTempPath(), "cairn-compat-pycache");
            environment["PYTHONUNBUFFERED"] = "1";
            environment["CLEARML_API_HOST"] = $"http://127.0.0.1:{server.ApiPort}";
            environment["CLEARML_WEB_HOST"] = $"http://127.0.0.1:{server.WebPort}";
            environment["CLEARML_FILES_HOST"] = $"http://127.0.0.1:{server.FilesPort}";
            environment["CLEARML_API_ACCESS_KEY"] = TestServer.AccessKey;
            environment["CLEARML_API_SECRET_KEY"] = TestServer.SecretKey;
            // Task.init's update check goes to https://updates.clear.ml: refused at once, nothing leaves the machine.
            environment["HTTPS_PROXY"] = "http://127.0.0.1:9";
            environment["NO_PROXY"] = "127.0.0.1,localhost";
            environment["CAIRN_RESULTS"] = results;
            environment["CAIRN_SERVER_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

            using var process = Process.Start(start)!;
            var output = new StringBuilder();
            var stdout = PumpAsync(process.StandardOutput, output);
            var stderr = PumpAsync(process.StandardError, output);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            await Task.WhenAll(stdout, stderr);
            var parsed = File.Exists(results) ? JsonNode.Parse(await File.ReadAllTextAsync(results))!.AsObject() : [];
            Assert.True(process.ExitCode == 0 && parsed["ok"]?.GetValue<bool>() == true,
                $"{script} failed (exit code {process.ExitCode}{(timeout.IsCancellationRequested ? ", timed out" : "")}):\n{output}");
            return new SdkResults(parsed, output.ToString());
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // A daemon of the SDK still writing leaves a temp folder behind.
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}

/// <summary>What a script recorded: its steps' times and the ids it made (<c>keep</c>).</summary>
public sealed record SdkResults(JsonObject Json, string Output)
{
    public string Value(string name) => Json["values"]?[name]?.GetValue<string>() ?? throw new InvalidOperationException($"The script recorded no '{name}'.");

    public JsonNode? Node(string name) => Json["values"]?[name];

    public JsonArray Steps => Json["steps"]!.AsArray();
}

/// <summary>
/// A test of the real SDK: skipped, with one line saying how to point it at an SDK checkout,
/// when the SDK is not found on a developer's machine; run (and failed) when it is missing on CI.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealSdkFactAttribute : FactAttribute
{
    public RealSdkFactAttribute()
    {
        if (RealSdk.Missing is { } missing && !RealSdk.Required)
        {
            Skip = missing;
        }
    }
}
