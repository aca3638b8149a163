using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>Automatic model logging by the real SDK: scikit-learn models saved and loaded with joblib (Debian's python3-sklearn, python3-joblib).</summary>
public sealed class AutologTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task Models_saved_and_loaded_by_frameworks_are_logged_with_their_lineage()
    {
        var run = await RealSdk.RunAsync(fixture.Server, "autolog.py", SdkServerFixture.UniqueProject("autolog"));
        output.WriteLine(run.Output);

        var id = Assert.Single(run.Node("output_models")!.AsArray())!.GetValue<string>();
        var model = await fixture.ModelAsync(id);
        Assert.Equal(run.Value("train_task"), model["task"].Text());
        Assert.Equal("ScikitLearn", model["framework"].Text());
        Assert.EndsWith("/classifier.pkl", model["uri"].Text(), StringComparison.Ordinal);
        var use = await fixture.TaskAsync(run.Value("use_task"));
        Assert.NotEmpty(use["models"]!["input"]!.AsArray());
    }
}
