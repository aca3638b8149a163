using System.Diagnostics;
using Cairn.Testing;

namespace Cairn.Tests.Samples;

/// <summary>
/// Runs a sample's built program (<c>samples/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;.dll</c>,
/// built with the solution) as its own process, pointed at a test server through the
/// <c>CLEARML_*</c> environment variables, as a user would run it.
/// </summary>
internal static class SampleProgram
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(string name, TestServer server, string home, params string[] arguments) =>
        RunAsync(name, "dotnet", ["exec", DllPath(name), .. arguments], server, home);

    /// <summary>Runs a sample's native executable (a Native AOT publish) the same way.</summary>
    public static Task<Result> RunNativeAsync(string name, string executable, TestServer server, string home, params string[] arguments) =>
        RunAsync(name, executable, arguments, server, home);

    /// <summary>The repository's root (the folder holding Cairn.slnx).</summary>
    public static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cairn.slnx")))
        {
            root = root.Parent;
        }
        return root?.FullName ?? throw new InvalidOperationException("The repository root (Cairn.slnx) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<Result> RunAsync(string name, string program, string[] arguments, TestServer server, string home)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // A home of its own, so no ~/clearml.conf of the machine is read and the cache is private.
        start.Environment["HOME"] = home;
        start.Environment["CLEARML_CONFIG_FILE"] = Path.Combine(home, "clearml.conf");
        start.Environment["CLEARML_API_HOST"] = server.ApiUrl.AbsoluteUri.TrimEnd('/');
        start.Environment["CLEARML_FILES_HOST"] = $"http://127.0.0.1:{server.FilesPort}";
        start.Environment["CLEARML_WEB_HOST"] = $"http://127.0.0.1:{server.WebPort}";
        start.Environment["CLEARML_API_ACCESS_KEY"] = TestServer.AccessKey;
        start.Environment["CLEARML_API_SECRET_KEY"] = TestServer.SecretKey;
        start.Environment["CLEARML_CACHE_DIR"] = Path.Combine(home, "cache");
        await File.WriteAllTextAsync(start.Environment["CLEARML_CONFIG_FILE"]!, "# configured through the environment\n");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program} for the sample {name}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The sample {name} did not finish within two minutes.");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    public static string DllPath(string name)
    {
        // tests/Cairn.Tests/bin/<configuration>/net10.0/ → the repository root and the configuration.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cairn.slnx")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException("The repository root (Cairn.slnx) was not found above " + AppContext.BaseDirectory);
        }
        var dll = Path.Combine(root.FullName, "samples", name, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(dll) ? dll
            : throw new FileNotFoundException($"The sample {name} is not built: build Cairn.slnx (scripts/test.sh does) first.", dll);
    }
}
