using Cairn.Experiments;
using Microsoft.ML;
using Xunit;

namespace Cairn.Integrations.MLNet.Tests;

/// <summary>
/// ML.NET's own <c>mlContext.Model.Save</c>/<c>Load</c> calls in this file are rewritten by the
/// package's generator (the test project imports its props, as a user's project does), and what
/// they register is read back from a real server.
/// </summary>
public sealed class AutoLoggingTests(MLNetServerFixture fixture) : IClassFixture<MLNetServerFixture>
{
    private Task<Experiment> StartAsync(OutputDestination outputUri = default) =>
        Experiment.InitAsync(MLNetServerFixture.UniqueProject("mlnet"), "auto logging", outputUri: outputUri, session: fixture.Session);

    private Task<Experiment> ReadAsync(string experimentId) => Experiment.GetAsync(experimentId, fixture.Session);

    private static string FileUrl(string path) => new Uri(path).AbsoluteUri;

    [Fact]
    public async Task Saves_to_one_path_are_snapshots_of_one_uploaded_model_and_another_path_is_another_model()
    {
        var first = fixture.NewPath("first-model.zip");
        var second = fixture.NewPath("second-model.zip");
        string id;
        await using (var experiment = await StartAsync(outputUri: true))
        {
            id = experiment.Id;
            Assert.Same(experiment, Experiment.Current);
            var (ml, model, schema) = TinyModels.Make(1);
            ml.Model.Save(model, schema, first);
            var (_, other, _) = TinyModels.Make(2);
            ml.Model.Save(other, schema, first); // overwrites the file at once: the first upload has its own copy
            ml.Model.Save(model, schema, second);
        }
        Assert.Null(Experiment.Current);

        var outputs = (await ReadAsync(id)).Models.Output;
        Assert.Equal(2, outputs.Count);
        var firstModel = outputs["first-model"];
        await firstModel.LoadAsync();
        Assert.Equal(Framework.MLNet, firstModel.Framework);
        Assert.StartsWith(fixture.FilesHost + "/", firstModel.Url);
        Assert.EndsWith("/first-model.zip", firstModel.Url);
        // The stored weights are the second save's bytes: the later snapshot updated the same model.
        var copy = await firstModel.GetLocalCopyAsync(extractArchive: false);
        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(copy));
        Assert.NotEqual(firstModel.Id, outputs["second-model"].Id);
        // The private copies were handed to the SDK and deleted after their uploads.
        var snapshots = Path.Combine(Path.GetTempPath(), "cairn-autolog");
        Assert.Empty(Directory.Exists(snapshots) ? Directory.GetFiles(snapshots, "*-first-model.zip") : []);
    }

    [Fact]
    public async Task Without_an_output_destination_the_saved_files_local_path_is_registered()
    {
        var path = fixture.NewPath("local-model.zip");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            var (ml, model, schema) = TinyModels.Make();
            ml.Model.Save(model, schema, path);
        }
        var output = Assert.Single((await ReadAsync(id)).Models.Output);
        await output.LoadAsync();
        Assert.Equal(FileUrl(path), output.Url);
        Assert.Equal(Framework.MLNet, output.Framework);
        Assert.Equal(id, output.TaskId);
    }

    [Fact]
    public async Task A_save_to_a_file_stream_is_logged_and_a_save_to_another_stream_is_not()
    {
        var path = fixture.NewPath("stream-model.zip");
        var uploaded = fixture.NewPath("uploaded-stream-model.zip");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            var (ml, model, schema) = TinyModels.Make();
            using (var file = File.Create(path))
            {
                ml.Model.Save(model, schema, file);
            }
            using var memory = new MemoryStream();
            ml.Model.Save(model, schema, memory);
            Assert.True(memory.Length > 0);
        }
        var output = Assert.Single((await ReadAsync(id)).Models.Output);
        await output.LoadAsync();
        Assert.Equal(FileUrl(path), output.Url);

        // With an upload destination: the stream still holds the file (locked against other opens)
        // when the save returns, so the copy is read through its own handle.
        await using (var experiment = await StartAsync(outputUri: true))
        {
            id = experiment.Id;
            var (ml, model, schema) = TinyModels.Make();
            using var file = File.Create(uploaded);
            ml.Model.Save(model, schema, file);
        }
        await FrameworkModelLog.WaitAsync(TimeSpan.FromSeconds(30));
        var stored = Assert.Single((await ReadAsync(id)).Models.Output);
        await stored.LoadAsync();
        Assert.StartsWith(fixture.FilesHost + "/", stored.Url);
        var copy = await stored.GetLocalCopyAsync(extractArchive: false);
        Assert.Equal(await File.ReadAllBytesAsync(uploaded), await File.ReadAllBytesAsync(copy));
    }

    [Fact]
    public async Task An_onnx_export_to_a_file_stream_registers_an_onnx_output_model_and_an_export_to_memory_does_not()
    {
        var plain = fixture.NewPath("exported.onnx");
        var opset = fixture.NewPath("exported-opset.onnx");
        var columns = fixture.NewPath("exported-columns.onnx");
        string id;
        long memoryLength;
        await using (var experiment = await StartAsync(outputUri: true))
        {
            id = experiment.Id;
            var (ml, model, _) = TinyModels.Make();
            var data = TinyModels.Data(ml);
            using (var file = File.Create(plain))
            {
                ml.Model.ConvertToOnnx(model, data, file);
            }
            using (var file = File.Create(opset))
            {
                ml.Model.ConvertToOnnx(model, data, 12, file);
            }
            using (var file = File.Create(columns))
            {
                ml.Model.ConvertToOnnx(model, data, file, nameof(Row.X));
            }
            using var memory = new MemoryStream();
            ml.Model.ConvertToOnnx(model, data, memory);
            memoryLength = memory.Length;
        }
        Assert.True(memoryLength > 0);
        await FrameworkModelLog.WaitAsync(TimeSpan.FromSeconds(30)); // no registration failed
        var outputs = (await ReadAsync(id)).Models.Output;
        Assert.Equal(["exported", "exported-columns", "exported-opset"], outputs.Names.Order(StringComparer.Ordinal));
        foreach (var (name, path) in new[] { ("exported", plain), ("exported-opset", opset), ("exported-columns", columns) })
        {
            var output = outputs[name];
            await output.LoadAsync();
            Assert.Equal(Framework.Onnx, output.Framework);
            Assert.Equal(id, output.TaskId);
            Assert.StartsWith(fixture.FilesHost + "/", output.Url);
            // The uploaded bytes are the whole export (the stream was flushed before the copy was taken).
            var copy = await output.GetLocalCopyAsync(extractArchive: false);
            Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(copy));
        }
    }

    [Fact]
    public async Task An_onnx_export_follows_the_onnx_auto_connect_setting_not_the_mlnet_one()
    {
        var exported = fixture.NewPath("kept.onnx");
        var skipped = fixture.NewPath("skipped.onnx");
        var saved = fixture.NewPath("saved.zip");
        string id;
        try
        {
            await using (var experiment = await StartAsync(OutputDestination.None))
            {
                id = experiment.Id;
                var (ml, model, schema) = TinyModels.Make();
                var data = TinyModels.Data(ml);
                FrameworkModelLog.AutoConnect = AutoConnectFrameworks.Parse("""{"onnx": ["kept.*"], "mlnet": false}""");
                using (var file = File.Create(exported))
                {
                    ml.Model.ConvertToOnnx(model, data, file);
                }
                using (var file = File.Create(skipped))
                {
                    ml.Model.ConvertToOnnx(model, data, file);
                }
                ml.Model.Save(model, schema, saved);
            }
        }
        finally
        {
            FrameworkModelLog.AutoConnect = null;
        }
        var output = Assert.Single((await ReadAsync(id)).Models.Output);
        await output.LoadAsync();
        Assert.Equal(FileUrl(exported), output.Url);
        Assert.Equal(Framework.Onnx, output.Framework);
    }

    [Fact]
    public async Task A_load_uses_the_model_registered_for_the_file_and_a_foreign_file_becomes_a_new_model()
    {
        var saved = fixture.NewPath("trained.zip");
        var foreign = fixture.NewPath("foreign.zip");
        var (ml, model, schema) = TinyModels.Make();
        ml.Model.Save(model, schema, foreign); // no experiment running: not logged
        string trainId;
        await using (var train = await StartAsync(OutputDestination.None))
        {
            trainId = train.Id;
            ml.Model.Save(model, schema, saved);
        }
        var trained = Assert.Single((await ReadAsync(trainId)).Models.Output);

        string scoreId;
        await using (var score = await StartAsync(OutputDestination.None))
        {
            scoreId = score.Id;
            _ = ml.Model.Load(saved, out _);
            using var stream = File.OpenRead(foreign);
            _ = ml.Model.Load(stream, out _);
        }
        var inputs = (await ReadAsync(scoreId)).Models.Input;
        Assert.Equal(2, inputs.Count);
        Assert.Equal(trained.Id, inputs["trained"].Id);
        var imported = inputs["foreign"];
        await imported.LoadAsync();
        Assert.NotEqual(trained.Id, imported.Id);
        Assert.Equal(FileUrl(foreign), imported.Url);
        Assert.Equal(Framework.MLNet, imported.Framework);
    }

    [Fact]
    public async Task A_load_of_a_downloaded_local_copy_uses_the_model_it_came_from()
    {
        var path = fixture.NewPath("uploaded.zip");
        var (ml, model, schema) = TinyModels.Make();
        string trainId;
        await using (var train = await StartAsync(outputUri: true))
        {
            trainId = train.Id;
            ml.Model.Save(model, schema, path);
        }
        var uploaded = Assert.Single((await ReadAsync(trainId)).Models.Output);
        var copy = await uploaded.GetLocalCopyAsync(extractArchive: false);

        string scoreId;
        await using (var score = await StartAsync(OutputDestination.None))
        {
            scoreId = score.Id;
            _ = ml.Model.Load(copy, out _);
        }
        Assert.Equal(uploaded.Id, Assert.Single((await ReadAsync(scoreId)).Models.Input).Id);
    }

    [Fact]
    public async Task A_save_with_no_experiment_running_only_saves()
    {
        Assert.Null(Experiment.Current);
        var path = fixture.NewPath("unlogged.zip");
        var (ml, model, schema) = TinyModels.Make();
        ml.Model.Save(model, schema, path);
        _ = ml.Model.Load(path, out _);

        Assert.True(new FileInfo(path).Length > 0);
        await FrameworkModelLog.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await InputModel.LoadModelAsync(path, session: fixture.Session));
    }

    [Fact]
    public async Task A_load_that_fails_registers_nothing()
    {
        var path = fixture.NewPath("broken.zip");
        await File.WriteAllTextAsync(path, "not an ML.NET model");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            var ml = new MLContext();
            Assert.ThrowsAny<Exception>(() => ml.Model.Load(path, out _));
        }
        Assert.Empty((await ReadAsync(id)).Models.Input);
        Assert.Null(await InputModel.LoadModelAsync(path, session: fixture.Session));
    }

    [Fact]
    public async Task A_failed_upload_leaves_the_save_alone_and_is_thrown_when_the_experiment_flushes()
    {
        // A destination under a plain file: creating its folder fails, at once and every time.
        var blocker = fixture.NewPath("not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        var path = fixture.NewPath("unstorable.zip");
        var experiment = await StartAsync(OutputDestination.FromUri(FileUrl(blocker) + "/models"));
        try
        {
            var (ml, model, schema) = TinyModels.Make();
            ml.Model.Save(model, schema, path); // returns normally
            Assert.True(new FileInfo(path).Length > 0);
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => experiment.FlushAsync());
            Assert.Contains("unstorable.zip", failure.ToString(), StringComparison.Ordinal);
            var output = Assert.Single((await ReadAsync(experiment.Id)).Models.Output);
            await output.LoadAsync();
            Assert.EndsWith("/failed_uploading", output.Url);
        }
        finally
        {
            await experiment.CloseAsync();
        }
    }

    [Fact]
    public async Task Auto_connect_turns_ML_NET_off_or_limits_it_to_file_names_matching_a_wildcard()
    {
        var kept = fixture.NewPath("best.keep.zip");
        var skipped = fixture.NewPath("epoch-3.zip");
        var off = fixture.NewPath("off.keep.zip");
        var (ml, model, schema) = TinyModels.Make();
        string id;
        try
        {
            await using (var experiment = await StartAsync(OutputDestination.None))
            {
                id = experiment.Id;
                FrameworkModelLog.AutoConnect = AutoConnectFrameworks.Parse("""{"mlnet": ["*.keep.zip"], "onnx": false}""");
                ml.Model.Save(model, schema, kept);
                ml.Model.Save(model, schema, skipped);
                FrameworkModelLog.AutoConnect = AutoConnectFrameworks.Parse("""{"onnx": ["*.onnx"], "mlnet": false}""");
                ml.Model.Save(model, schema, off);
                _ = ml.Model.Load(kept, out _);
            }
        }
        finally
        {
            FrameworkModelLog.AutoConnect = null;
        }
        var models = (await ReadAsync(id)).Models;
        Assert.Equal(["best.keep"], models.Output.Names);
        Assert.Empty(models.Input);
    }

    [Fact]
    public async Task A_call_shape_that_is_not_intercepted_is_logged_by_the_explicit_one_line_call()
    {
        var path = fixture.NewPath("delegate.zip");
        var (ml, model, schema) = TinyModels.Make();
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            // A method group is not an invocation the generator sees: this save is not logged…
            Action<ITransformer, DataViewSchema, string> save = ml.Model.Save;
            save(model, schema, path);
            await experiment.FlushAsync();
            Assert.Empty((await ReadAsync(id)).Models.Output);
            // …until the explicit call.
            MLNetModels.Saved(path, iteration: 7);
        }
        var output = Assert.Single((await ReadAsync(id)).Models.Output);
        await output.LoadAsync();
        Assert.Equal(FileUrl(path), output.Url);
        using var api = fixture.Server.Client();
        // The iteration reaches the server as ClearML's does: it raises the task's last_iteration.
        var task = (await api.CallAsync("tasks.get_by_id", new { task = id })).Ok()["task"]!;
        Assert.Equal(7, task["last_iteration"]!.GetValue<int>());
    }
}
