using Cairn.Tests.Models;
using Xunit;

namespace Cairn.Tests.Experiments;

public sealed class ExperimentTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task Init_creates_the_project_once_and_a_running_task_that_uploads_to_the_files_server()
    {
        var project = SdkServerFixture.UniqueProject("init") + "/sub project";
        var first = await Experiment.InitAsync(project, "train", outputUri: true, tags: ["nightly"], session: fixture.Session);
        var second = await Experiment.InitAsync(project, "train", session: fixture.Session);

        Assert.Equal(first.ProjectId, second.ProjectId);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(project, first.ProjectName);
        Assert.Equal("in_progress", first.Status);
        Assert.Equal(fixture.FilesHost, first.OutputUri);
        Assert.Null(second.OutputUri);

        using var client = fixture.Server.Client();
        var task = (await client.CallAsync("tasks.get_by_id", new { task = first.Id })).Ok()["task"]!;
        Assert.Equal("training", task["type"]!.GetValue<string>());
        Assert.Equal(fixture.FilesHost, task["output"]!["destination"]!.GetValue<string>());
        Assert.Contains("nightly", task["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task An_experiment_is_found_again_by_id_and_by_project_and_name()
    {
        var project = SdkServerFixture.UniqueProject("get");
        var made = await Experiment.InitAsync(project, "find me (v1)", outputUri: "file:///tmp/cairn-out", session: fixture.Session);

        var byId = await Experiment.GetAsync(made.Id, fixture.Session);
        var byName = await Experiment.GetByNameAsync(project, "find me (v1)", fixture.Session);

        Assert.Equal("find me (v1)", byId.Name);
        Assert.Equal(project, byId.ProjectName);
        Assert.Equal("file:///tmp/cairn-out", byId.OutputUri);
        Assert.Equal(made.Id, byName?.Id);
        Assert.Null(await Experiment.GetByNameAsync(project, "find me", fixture.Session));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Experiment.GetByNameAsync(project + "-missing", "x", fixture.Session));
        Assert.Equal("projectName", e.ParamName);
    }

    [Fact]
    public async Task Bad_arguments_fail_at_once_naming_the_argument()
    {
        var type = await Assert.ThrowsAsync<ArgumentException>(() => Experiment.InitAsync("p", "t", taskType: "juggling", session: fixture.Session));
        Assert.Equal("taskType", type.ParamName);
        var scheme = await Assert.ThrowsAsync<ArgumentException>(() => Experiment.InitAsync("p", "t", outputUri: "ftp://host/x", session: fixture.Session));
        Assert.Equal("outputUri", scheme.ParamName);
        var missing = await Assert.ThrowsAsync<ClearMLRequestException>(() => Experiment.GetAsync("0123456789abcdef0123456789abcdef", fixture.Session));
        Assert.Equal(400, missing.ResultCode);
        Assert.Equal(101, missing.ResultSubcode);
    }

    [Fact]
    public async Task Closing_marks_the_task_completed_and_a_failed_run_ends_failed()
    {
        var project = SdkServerFixture.UniqueProject("close");
        await using (var ok = await Experiment.InitAsync(project, "good run", session: fixture.Session))
        {
            Assert.Equal("in_progress", ok.Status);
        }
        var completed = await Experiment.GetByNameAsync(project, "good run", fixture.Session);
        Assert.Equal("completed", completed!.Status);

        var bad = await Experiment.InitAsync(project, "bad", session: fixture.Session);
        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() =>
            bad.RunAsync((_, _) => throw new InvalidDataException("diverged at epoch 3")));
        Assert.Equal("diverged at epoch 3", thrown.Message);
        Assert.True(bad.IsFailed);
        using var client = fixture.Server.Client();
        var task = (await client.CallAsync("tasks.get_by_id", new { task = bad.Id })).Ok()["task"]!;
        Assert.Equal("failed", task["status"]!.GetValue<string>());
        Assert.Contains("diverged at epoch 3", task["status_message"]!.GetValue<string>());

        await using (var explicitFailure = await Experiment.InitAsync(project, "explicit", session: fixture.Session))
        {
            await explicitFailure.MarkFailedAsync(new TimeoutException("no GPU"));
        }
        Assert.Equal("failed", (await Experiment.GetByNameAsync(project, "explicit", fixture.Session))!.Status);
    }

    [Fact]
    public async Task Closing_flushes_the_reports_of_the_experiments_models()
    {
        var experiment = await Experiment.InitAsync(SdkServerFixture.UniqueProject("reports"), "reporting run", session: fixture.Session);
        var model = new OutputModel(experiment, name: "reported");
        await model.CreateOnServerAsync();
        model.ReportScalar("accuracy", "val", 0.5, 1);
        model.ReportScalar("accuracy", "val", 0.75, 2);

        await experiment.CloseAsync();

        var histogram = await fixture.Session.CallAsync("events.scalar_metrics_iter_histogram", new { task = model.Id, model_events = true });
        Assert.Equal("[0.5,0.75]", histogram["accuracy"]!["val"]!["y"]!.ToJsonString());
    }

    [Fact]
    public async Task The_models_of_an_experiment_list_created_outputs_oldest_first_and_connected_inputs_by_name()
    {
        var project = SdkServerFixture.UniqueProject("models");
        var experiment = await Experiment.InitAsync(project, "run", session: fixture.Session);
        Assert.Empty(experiment.Models.Input);
        Assert.Empty(experiment.Models.Output);
        var first = new OutputModel(experiment, name: "first");
        await first.UpdateWeightsAsync(registerUri: "https://example.invalid/weights/first.bin");
        var second = new OutputModel(experiment, name: "second");
        await second.UpdateWeightsAsync(registerUri: "https://example.invalid/weights/second.bin");
        var imported = await InputModel.ImportModelAsync("https://example.invalid/pretrained.onnx", session: fixture.Session);
        await experiment.ConnectAsync(imported, "backbone");

        // Kept current by this process's own calls, without a refresh; the listed outputs are the same objects.
        var models = experiment.Models;
        Assert.Equal([first.Id, second.Id], models.Output.Select(m => m.Id));
        Assert.Same(second, models.Output[^1]);
        Assert.Equal(["first", "second"], models.Output.Names);
        Assert.Equal(imported.Id, models.Input["backbone"].Id);
        Assert.Equal(["backbone"], models.Input.Names);
        Assert.Throws<KeyNotFoundException>(() => models.Input["nothing"]);

        // Read from the server by another handle: the same lists, every model loaded.
        var opened = await Experiment.GetAsync(experiment.Id, fixture.Session);
        Assert.Equal([first.Id, second.Id], opened.Models.Output.Select(m => m.Id));
        Assert.Equal("second", opened.Models.Output["second"].Name);
        Assert.Equal("https://example.invalid/weights/second.bin", opened.Models.Output[^1].Url);
        Assert.Equal(imported.Id, opened.Models.Input["backbone"].Id);
        Assert.Equal(Framework.Onnx, opened.Models.Input[0].Framework);
        Assert.All(opened.Models.Output, m => Assert.True(m.IsLoaded));

        // What another handle does shows after RefreshAsync.
        var third = new OutputModel(opened, name: "third");
        await third.UpdateWeightsAsync(registerUri: "https://example.invalid/weights/third.bin");
        Assert.Equal(second.Id, experiment.Models.Output[^1].Id);
        await experiment.RefreshAsync();
        Assert.Equal([first.Id, second.Id, third.Id], experiment.Models.Output.Select(m => m.Id));
        Assert.Same(first, experiment.Models.Output[0]);
        Assert.Equal("third", experiment.Models.Output["third"].Name);
    }
}
