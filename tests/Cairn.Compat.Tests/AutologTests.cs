using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>Automatic model logging by the real SDK with the frameworks Debian packages (scikit-learn's joblib; PyTorch when installed).</summary>
public sealed class AutologTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task Models_saved_and_loaded_by_frameworks_are_logged_with_their_lineage()
    {
        var run = await RealSdk.RunAsync(fixture.Server, "autolog.py", SdkServerFixture.UniqueProject("autolog"));
        output.WriteLine(run.Output);

        var outputs = run.Node("output_models")!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var frameworks = new List<string>();
        foreach (var id in outputs)
        {
            var model = await fixture.ModelAsync(id);
            Assert.Equal(run.Value("train_task"), model["task"].Text());
            frameworks.Add(model["framework"].Text());
        }
        Assert.Contains("ScikitLearn", frameworks);
        var use = await fixture.TaskAsync(run.Value("use_task"));
        Assert.NotEmpty(use["models"]!["input"]!.AsArray());
    }
}
