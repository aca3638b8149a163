using Cairn.Experiments;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace Cairn.Integrations.OnnxRuntime.Tests;

/// <summary>
/// Sessions opened with <see cref="OnnxModels"/> on real ONNX Runtime, and what they register read
/// back from a real server: through the SDK and, for the link itself, over the raw API.
/// </summary>
public sealed class OnnxModelsTests(OnnxServerFixture fixture) : IClassFixture<OnnxServerFixture>
{
    private Task<Experiment> StartAsync(OutputDestination outputUri = default) =>
        Experiment.InitAsync(OnnxServerFixture.UniqueProject("onnx"), "onnx logging", outputUri: outputUri, session: fixture.Session);

    private Task<Experiment> ReadAsync(string experimentId) => Experiment.GetAsync(experimentId, fixture.Session);

    private static string FileUrl(string path) => new Uri(path).AbsoluteUri;

    private static float Score(InferenceSession session)
    {
        var input = session.InputMetadata.Keys.Single();
        var width = session.InputMetadata[input].Dimensions[^1];
        var tensor = new DenseTensor<float>(Enumerable.Repeat(1f, width).ToArray(), [1, width]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        return results[0].AsEnumerable<float>().First();
    }

    [Fact]
    public async Task Open_of_a_foreign_file_registers_a_new_onnx_model_pointing_at_it_as_the_experiments_input()
    {
        var path = fixture.NewModel("scorer.onnx");
        string id;
        float score;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            using var session = OnnxModels.Open(path);
            score = Score(session);
        }
        using var direct = new InferenceSession(path);
        Assert.Equal(Score(direct), score); // the session is ONNX Runtime's, unchanged

        var input = Assert.Single((await ReadAsync(id)).Models.Input);
        await input.LoadAsync();
        Assert.Equal(FileUrl(path), input.Url);
        Assert.Equal(Framework.Onnx, input.Framework);

        // The link as the web UI's lineage reads it: the task's models.input names the model.
        using var api = fixture.Server.Client();
        var task = (await api.CallAsync("tasks.get_by_id", new { task = id })).Ok()["task"]!;
        var link = Assert.Single(task["models"]!["input"]!.AsArray())!;
        Assert.Equal(input.Id, link["model"]!.GetValue<string>());
        Assert.Equal("scorer", link["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Open_of_a_file_a_model_is_registered_for_uses_that_model()
    {
        var path = fixture.NewModel("trained.onnx");
        string trainId;
        await using (var train = await StartAsync(OutputDestination.None))
        {
            trainId = train.Id;
            var output = new OutputModel(train, framework: Framework.Onnx, name: "trained scorer");
            await output.UpdateWeightsAsync(registerUri: path);
        }
        var trained = Assert.Single((await ReadAsync(trainId)).Models.Output);

        string scoreId;
        await using (var score = await StartAsync(OutputDestination.None))
        {
            scoreId = score.Id;
            using var session = OnnxModels.Open(path);
        }
        Assert.Equal(trained.Id, Assert.Single((await ReadAsync(scoreId)).Models.Input).Id);
    }

    [Fact]
    public async Task Open_of_a_downloaded_local_copy_uses_the_model_it_came_from()
    {
        var path = fixture.NewModel("uploaded.onnx");
        string trainId;
        await using (var train = await StartAsync(outputUri: true))
        {
            trainId = train.Id;
            var output = new OutputModel(train, framework: Framework.Onnx, name: "uploaded scorer");
            await output.UpdateWeightsAsync(weightsFilename: path);
        }
        var uploaded = Assert.Single((await ReadAsync(trainId)).Models.Output);
        var copy = await uploaded.GetLocalCopyAsync(extractArchive: false);
        Assert.NotEqual(Path.GetFullPath(path), Path.GetFullPath(copy));

        string scoreId;
        await using (var score = await StartAsync(OutputDestination.None))
        {
            scoreId = score.Id;
            using var session = OnnxModels.Open(copy, new SessionOptions());
        }
        Assert.Equal(uploaded.Id, Assert.Single((await ReadAsync(scoreId)).Models.Input).Id);
    }

    [Fact]
    public async Task Each_constructor_shape_of_Open_creates_a_working_session_and_registers_its_file()
    {
        var plain = fixture.NewModel("plain.onnx");
        var withOptions = fixture.NewModel("with-options.onnx");
        var withWeights = fixture.NewModel("with-weights.onnx");
        var withBoth = fixture.NewModel("with-both.onnx");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var weights = new PrePackedWeightsContainer();
            using var a = OnnxModels.Open(plain);
            using var b = OnnxModels.Open(withOptions, options);
            using var c = OnnxModels.Open(withWeights, prepackedWeights: weights);
            using var d = OnnxModels.Open(withBoth, options, weights);
            Assert.All(new[] { a, b, c, d }, s => Assert.Equal(Score(a), Score(s)));
        }
        var inputs = (await ReadAsync(id)).Models.Input;
        Assert.Equal(["plain", "with-both", "with-options", "with-weights"], inputs.Names.Order(StringComparer.Ordinal));
        foreach (var (name, path) in new[] { ("plain", plain), ("with-options", withOptions), ("with-weights", withWeights), ("with-both", withBoth) })
        {
            var model = inputs[name];
            await model.LoadAsync();
            Assert.Equal(FileUrl(path), model.Url);
        }
    }

    [Fact]
    public async Task Auto_connect_turns_onnx_off_or_limits_it_to_file_names_matching_a_wildcard()
    {
        var kept = fixture.NewModel("best.keep.onnx");
        var skipped = fixture.NewModel("epoch-3.onnx");
        var off = fixture.NewModel("off.keep.onnx");
        string id;
        try
        {
            await using (var experiment = await StartAsync(OutputDestination.None))
            {
                id = experiment.Id;
                FrameworkModelLog.AutoConnect = AutoConnectFrameworks.Parse("""{"onnx": ["*.keep.onnx"], "mlnet": false}""");
                using (OnnxModels.Open(kept))
                using (OnnxModels.Open(skipped))
                {
                }
                FrameworkModelLog.AutoConnect = AutoConnectFrameworks.Parse("""{"mlnet": ["*.zip"], "onnx": false}""");
                using (OnnxModels.Open(off))
                {
                }
                OnnxModels.Loaded(off); // the explicit call honours the setting too
            }
        }
        finally
        {
            FrameworkModelLog.AutoConnect = null;
        }
        Assert.Equal(["best.keep"], (await ReadAsync(id)).Models.Input.Names);
    }

    [Fact]
    public async Task With_no_experiment_running_Open_only_creates_the_session()
    {
        Assert.Null(Experiment.Current);
        var path = fixture.NewModel("unlogged.onnx");
        using (var session = OnnxModels.Open(path))
        {
            Assert.NotEmpty(session.InputMetadata);
        }
        OnnxModels.Loaded(path);
        await FrameworkModelLog.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await InputModel.LoadModelAsync(path, session: fixture.Session));
    }

    [Fact]
    public async Task A_file_onnx_runtime_fails_to_load_registers_nothing_and_its_exception_propagates()
    {
        var broken = fixture.NewPath("broken.onnx");
        await File.WriteAllTextAsync(broken, "not an ONNX model");
        var missing = fixture.NewPath("missing.onnx");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            foreach (var path in new[] { broken, missing })
            {
                var expected = Assert.ThrowsAny<OnnxRuntimeException>(() => new InferenceSession(path));
                var thrown = Assert.ThrowsAny<OnnxRuntimeException>(() => OnnxModels.Open(path));
                Assert.Equal(expected.GetType(), thrown.GetType());
                Assert.Equal(expected.Message, thrown.Message);
            }
        }
        await FrameworkModelLog.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty((await ReadAsync(id)).Models.Input);
        Assert.Null(await InputModel.LoadModelAsync(broken, session: fixture.Session));
        Assert.Null(await InputModel.LoadModelAsync(missing, session: fixture.Session));
    }

    [Fact]
    public async Task A_session_made_with_the_constructor_is_logged_by_the_explicit_one_line_call()
    {
        var path = fixture.NewModel("constructed.onnx");
        string id;
        await using (var experiment = await StartAsync(OutputDestination.None))
        {
            id = experiment.Id;
            using var session = new InferenceSession(path); // a constructor: nothing can catch it…
            await experiment.FlushAsync();
            Assert.Empty((await ReadAsync(id)).Models.Input);
            OnnxModels.Loaded(path); // …so this line logs it
        }
        var input = Assert.Single((await ReadAsync(id)).Models.Input);
        await input.LoadAsync();
        Assert.Equal(FileUrl(path), input.Url);
        Assert.Equal(Framework.Onnx, input.Framework);
    }
}
