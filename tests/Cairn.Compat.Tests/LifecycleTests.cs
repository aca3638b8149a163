using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>
/// Issue 18's fixes as the real SDK meets them: <c>Model.remove</c> and <c>Task.delete</c> with
/// file deletion, <c>set_user_properties</c> on a completed task, <c>Task.clone</c>.
/// </summary>
public sealed class LifecycleTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task The_real_sdk_removes_deletes_and_clones_and_sets_user_properties_on_a_completed_task()
    {
        var run = await RealSdk.RunAsync(fixture.Server, "lifecycle.py", SdkServerFixture.UniqueProject("lifecycle"));
        output.WriteLine(run.Output);

        (await fixture.CallAsync("models.get_by_id", new { model = run.Value("removed_model") })).Fails(400, 201);
        (await fixture.CallAsync("tasks.get_by_id", new { task = run.Value("deleted_task") })).Fails(400, 101);
        (await fixture.CallAsync("models.get_by_id", new { model = run.Value("deleted_model") })).Fails(400, 201);
        await fixture.ModelAsync(run.Value("kept_model"));

        var task = await fixture.TaskAsync(run.Value("task"));
        Assert.Equal("prod", task["hyperparams"]!["properties"]!["stage"]!["value"].Text());
        var clone = await fixture.TaskAsync(run.Value("clone"));
        Assert.Equal("created", clone["status"].Text());
        Assert.Equal(task["id"].Text(), clone["parent"].Text());
        Assert.Empty(clone["models"]!["output"]!.AsArray());
    }
}
