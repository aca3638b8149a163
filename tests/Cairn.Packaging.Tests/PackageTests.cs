using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Cairn.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Cairn.Packaging.Tests;

/// <summary>
/// Installs the SDK as a new user would: packs the real packages into a folder feed, restores a
/// scratch console project from that feed (into a packages folder of its own, so no cached
/// <c>Cairn</c> of the same version can stand in), builds it and runs it against a real server.
/// </summary>
public sealed partial class PackageTests(ITestOutputHelper log)
{
    // Each step takes well under a minute on an idle machine; the bound is for a loaded one.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_packed_SDK_restores_from_a_local_feed_builds_and_runs_against_a_real_server()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("cairn-package-test-").FullName;
        try
        {
            var feed = Path.Combine(work, "feed");
            // What the README tells a user to run: packs every package project of the solution.
            // Built in a folder of the test's own, so the repository's bin/ and obj/ are left alone.
            await StepAsync("pack", root, null,
                "pack", "Cairn.slnx", "-c", "Release", "-warnaserror", "-o", feed, "--artifacts-path", Path.Combine(work, "artifacts"));
            var version = PackedVersion(feed);
            foreach (var package in Directory.GetFiles(feed, "*.nupkg"))
            {
                CheckPackage(package);
            }
            var sdkNuspec = CheckPackage(Path.Combine(feed, $"Cairn.{version}.nupkg"));
            var protocolDependency = sdkNuspec.Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "Cairn.Protocol");
            Assert.Equal(version, (string?)protocolDependency.Attribute("version"));
            Assert.True(File.Exists(Path.Combine(feed, $"Cairn.Protocol.{version}.nupkg")), "Cairn.Protocol, which the SDK depends on, was not packed.");

            var app = Directory.CreateDirectory(Path.Combine(work, "app")).FullName;
            var sources = await StepAsync("list sources", app, null, "nuget", "list", "source");
            await WriteScratchProjectAsync(app, feed, version, EnabledSources(sources));
            var packages = Path.Combine(work, "packages");
            var restoreEnvironment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages };
            await StepAsync("restore", app, restoreEnvironment, "restore");
            foreach (var id in new[] { "cairn", "cairn.protocol" })
            {
                var metadata = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(packages, id, version, ".nupkg.metadata")))!;
                Assert.Equal(Path.GetFullPath(feed).TrimEnd('/'), metadata["source"]!.GetValue<string>().TrimEnd('/'));
            }
            await StepAsync("build", app, restoreEnvironment, "build", "--no-restore", "-c", "Release");

            await using var server = await TestServer.StartAsync();
            var home = Directory.CreateDirectory(Path.Combine(work, "home")).FullName;
            var nonce = Guid.NewGuid().ToString("N");
            var run = await StepAsync("run", app, RunEnvironment(server, home),
                "exec", Path.Combine(app, "bin", "Release", "net10.0", "PackageSmoke.dll"), nonce);

            // The bytes came back from the server through the packaged SDK's download path.
            Assert.Contains($"downloaded: weights {nonce}", run);
            var modelLine = ModelLine().Match(run);
            Assert.True(modelLine.Success, run);
            using var client = server.Client();
            var model = (await client.CallAsync("models.get_by_id", new { model = modelLine.Groups["id"].Value })).Ok()["model"]!;
            Assert.Equal("packaged", model["name"]!.GetValue<string>());
            Assert.StartsWith($"http://127.0.0.1:{server.FilesPort}/", model["uri"]!.GetValue<string>());
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only leaves a temp directory behind.
            }
        }
    }

    private async Task<string> StepAsync(string name, string directory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var started = TimeProvider.System.GetTimestamp();
        var result = await DotnetCli.RunAsync(directory, environment, StepTimeout, arguments);
        log.WriteLine($"{name}: exit {result.ExitCode} after {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed (exit {result.ExitCode}):\n{result.Output}");
        return result.Output;
    }

    /// <summary>The version the SDK was packed with, from its file name in the feed.</summary>
    private static string PackedVersion(string feed)
    {
        var sdk = Directory.GetFiles(feed, "Cairn.*.nupkg").Select(Path.GetFileName).Single(f => SdkPackageFile().IsMatch(f!))!;
        return SdkPackageFile().Match(sdk).Groups["version"].Value;
    }

    /// <summary>Checks a package carries its licence, readme, XML docs and symbols; returns its nuspec.</summary>
    private static XDocument CheckPackage(string path)
    {
        using var package = ZipFile.OpenRead(path);
        var nuspecEntry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        XDocument nuspec;
        using (var stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }
        string? Metadata(string name) => nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        var id = Metadata("id")!;
        Assert.Equal("Apache-2.0", Metadata("license"));
        Assert.Equal("README.md", Metadata("readme"));
        Assert.True(package.GetEntry("README.md") is not null, $"{id}: no README.md in the package.");
        Assert.True(package.GetEntry("LICENSE") is not null, $"{id}: no LICENSE in the package.");
        // A .NET tool (the cairn command line) carries its program under tools/, a library under lib/ with its XML docs.
        var isTool = nuspec.Descendants().Any(e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
        var folder = isTool ? "tools/net10.0/any" : "lib/net10.0";
        Assert.True(package.GetEntry($"{folder}/{id}.dll") is not null, $"{id}: no {folder}/{id}.dll in the package.");
        if (!isTool)
        {
            Assert.NotNull(package.GetEntry($"{folder}/{id}.xml"));
        }

        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(path, ".snupkg"));
        Assert.True(symbols.GetEntry($"{folder}/{id}.pdb") is not null, $"{id}: no {folder}/{id}.pdb in the symbol package.");
        return nuspec;
    }

    /// <summary>The names of the package sources the machine's NuGet configuration enables.</summary>
    private static List<string> EnabledSources(string listing) =>
        [.. EnabledSource().Matches(listing).Select(m => m.Groups["name"].Value)];

    /// <summary>
    /// A console project that knows nothing of the repository: <c>Cairn*</c> can come only from the
    /// folder feed (package source mapping), everything else from the machine's usual sources.
    /// </summary>
    private static async Task WriteScratchProjectAsync(string app, string feed, string version, List<string> otherSources)
    {
        var others = string.Concat(otherSources.Select(s => $"""
                <packageSource key="{s}">
                  <package pattern="*" />
                </packageSource>

            """));
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="cairn-local" value="{feed}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="cairn-local">
                  <package pattern="Cairn" />
                  <package pattern="Cairn.*" />
                </packageSource>
            {others}  </packageSourceMapping>
            </configuration>

            """);
        await File.WriteAllTextAsync(Path.Combine(app, "PackageSmoke.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cairn" Version="{version}" />
              </ItemGroup>
            </Project>

            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using Cairn;

            var nonce = args[0];
            var weights = Path.Combine(Environment.CurrentDirectory, "weights.bin");
            await File.WriteAllTextAsync(weights, $"weights {nonce}");

            await using (var experiment = await Experiment.InitAsync("package test", "install from feed", outputUri: true))
            {
                var model = new OutputModel(experiment, name: "packaged", tags: ["package-test"]);
                await model.UpdateWeightsAsync(weights);
                await OutputModel.WaitForUploadsAsync();
                Console.WriteLine($"experiment: {experiment.Id}");
            }

            var found = await Model.QueryModelsAsync("package test", "packaged", tags: ["package-test"]);
            var copy = await found.Single().GetLocalCopyAsync();
            Console.WriteLine($"model: {found[0].Id}");
            Console.WriteLine($"downloaded: {await File.ReadAllTextAsync(copy)}");

            """);
    }

    /// <summary>Points the scratch program at the server, with a home of its own (no machine <c>~/clearml.conf</c>).</summary>
    private static Dictionary<string, string> RunEnvironment(TestServer server, string home)
    {
        var config = Path.Combine(home, "clearml.conf");
        File.WriteAllText(config, "# configured through the environment\n");
        return new()
        {
            ["HOME"] = home,
            ["CLEARML_CONFIG_FILE"] = config,
            ["CLEARML_API_HOST"] = server.ApiUrl.AbsoluteUri.TrimEnd('/'),
            ["CLEARML_FILES_HOST"] = $"http://127.0.0.1:{server.FilesPort}",
            ["CLEARML_WEB_HOST"] = $"http://127.0.0.1:{server.WebPort}",
            ["CLEARML_API_ACCESS_KEY"] = TestServer.AccessKey,
            ["CLEARML_API_SECRET_KEY"] = TestServer.SecretKey,
            ["CLEARML_CACHE_DIR"] = Path.Combine(home, "cache"),
        };
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cairn.slnx")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Cairn.slnx) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^Cairn\.(?<version>\d[^/]*)\.nupkg$")]
    private static partial Regex SdkPackageFile();

    // `dotnet nuget list source` prints "  1.  nuget.org [Enabled]" and the URL on the next line.
    [GeneratedRegex(@"^\s*\d+\.\s+(?<name>.+?)\s+\[Enabled\]\s*$", RegexOptions.Multiline)]
    private static partial Regex EnabledSource();

    [GeneratedRegex(@"^model: (?<id>[0-9a-f]{32})\s*$", RegexOptions.Multiline)]
    private static partial Regex ModelLine();
}
