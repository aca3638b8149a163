using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>ClearML Datasets (hidden data-processing tasks with file artifacts) through the real SDK.</summary>
public sealed class DatasetTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task The_real_sdk_creates_uploads_finalizes_and_reads_back_a_dataset()
    {
        var run = await RealSdk.RunAsync(fixture.Server, "dataset.py", SdkServerFixture.UniqueProject("dataset"));
        output.WriteLine(run.Output);

        var dataset = await fixture.TaskAsync(run.Value("dataset"));
        Assert.Equal("data_processing", dataset["type"].Text());
        Assert.Contains("dataset", dataset["system_tags"].Strings());
        Assert.Contains(dataset["execution"]!["artifacts"]!.AsArray(), a => a!["key"].Text() == "state");
    }
}
