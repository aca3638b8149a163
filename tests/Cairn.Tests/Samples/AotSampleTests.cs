using System.Diagnostics;
using Cairn.Tests.Models;
using Xunit;

namespace Cairn.Tests.Samples;

/// <summary>
/// samples/AotQuickstart published with Native AOT (clang and zlib1g-dev: scripts/services/10-aot.sh
/// installs them) and its native binary run against a real server: the SDK's register, query and
/// download flow works with reflection-based JSON disabled and the code trimmed.
/// </summary>
public sealed class AotSampleTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task The_native_AOT_sample_registers_queries_and_downloads_against_a_real_server()
    {
        var output = Directory.CreateTempSubdirectory("cairn-aot-sample-").FullName;
        var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "publish", Path.Combine(SampleProgram.RepositoryRoot(), "samples", "AotQuickstart"),
                     "-c", "Release", "-r", "linux-x64", "-o", output })
        {
            publish.ArgumentList.Add(argument);
        }
        using (var process = Process.Start(publish)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, "dotnet publish (Native AOT) failed; clang and zlib1g-dev come from scripts/services/10-aot.sh:\n"
                + await stdout + await stderr);
        }
        var binary = Path.Combine(output, "AotQuickstart");
        Assert.True(File.Exists(binary), $"no native binary at {binary}");
        Assert.False(File.Exists(Path.Combine(output, "AotQuickstart.dll")), "the publish is not native: it holds the IL assembly");

        var home = Directory.CreateTempSubdirectory("cairn-sample-home-").FullName;
        var tag = $"aot-{Guid.NewGuid():N}";
        var run = await SampleProgram.RunNativeAsync("AotQuickstart", binary, fixture.Server, home, tag);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("registered, found and downloaded model", run.Output);

        var models = await Model.QueryModelsAsync("Cairn samples", "aot model", tags: [tag], session: fixture.Session);
        var model = Assert.Single(models);
        Assert.True(model.Published);
        Assert.StartsWith(fixture.FilesHost + "/Cairn%20samples/", model.Url);
    }
}
