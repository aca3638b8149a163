using System.Diagnostics;
using System.Text.RegularExpressions;
using Cairn.Testing;
using Xunit;

namespace Cairn.Integrations.MLNet.Tests;

/// <summary>
/// samples/MLNetTrain, samples/MLNetScore and samples/OnnxScore run as their own processes against a real server, as
/// a user runs them; what they registered is then read over the API.
/// </summary>
public sealed partial class SampleTests(MLNetServerFixture fixture) : IClassFixture<MLNetServerFixture>
{
    [Fact]
    public async Task The_train_sample_logs_its_saved_model_and_the_score_sample_logs_it_as_its_input()
    {
        var modelPath = fixture.NewPath("points-model.zip");
        var home = Directory.CreateTempSubdirectory("cairn-mlnet-home-").FullName;

        var train = await RunAsync("MLNetTrain", home, modelPath);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        var trainId = ExperimentId().Match(train.Output).Groups[1].Value;
        var score = await RunAsync("MLNetScore", home, modelPath);
        Assert.True(score.ExitCode == 0, score.Output + score.Error);
        var scoreId = ExperimentId().Match(score.Output).Groups[1].Value;
        Assert.Matches(@"loaded .*: \d+ of 200 points right", score.Output);

        var trained = await Experiment.GetAsync(trainId, fixture.Session);
        Assert.Equal("completed", trained.Status);
        Assert.Equal(["points-model", "points-model-onnx"], trained.Models.Output.Names.Order(StringComparer.Ordinal));
        var output = trained.Models.Output["points-model"];
        await output.LoadAsync();
        Assert.Equal(Framework.MLNet, output.Framework);
        Assert.Equal(new Uri(modelPath).AbsoluteUri, output.Url);
        Assert.Equal(trainId, output.TaskId);

        var scored = await Experiment.GetAsync(scoreId, fixture.Session);
        Assert.Equal("completed", scored.Status);
        Assert.Equal(output.Id, Assert.Single(scored.Models.Input).Id);

        // The scores the train sample reported on its model.
        using var api = fixture.Server.Client();
        var scalars = (await api.CallAsync("models.get_by_id", new { model = output.Id })).Ok();
        Assert.Equal(trainId, scalars["model"]!["task"]!.GetValue<string>());
        var events = (await api.CallAsync("events.get_task_single_value_metrics", new { tasks = new[] { output.Id }, model_events = true })).Ok();
        var names = events["tasks"]!.AsArray().SelectMany(t => t!["values"]!.AsArray()).Select(v => v!["variant"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "accuracy", "auc", "f1" }, names);
    }

    [Fact]
    public async Task The_onnx_sample_runs_the_train_samples_onnx_export_and_logs_that_model_as_its_input()
    {
        var modelPath = fixture.NewPath("points-model.zip");
        var onnxPath = Path.ChangeExtension(modelPath, null) + "-onnx.onnx";
        var home = Directory.CreateTempSubdirectory("cairn-onnx-home-").FullName;

        var train = await RunAsync("MLNetTrain", home, modelPath);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        var trainId = ExperimentId().Match(train.Output).Groups[1].Value;
        var score = await RunAsync("OnnxScore", home, onnxPath);
        Assert.True(score.ExitCode == 0, score.Output + score.Error);
        var scoreId = ExperimentId().Match(score.Output).Groups[1].Value;
        // The exported classifier separates the two clouds as the ML.NET model does (their centres are 2.8 σ apart).
        var right = int.Parse(Regex.Match(score.Output, @"(\d+) of 200 points right").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(right, 160, 200);

        // ML.NET's ConvertToOnnx to a FileStream registered an ONNX output model of the train experiment…
        var exported = (await Experiment.GetAsync(trainId, fixture.Session)).Models.Output["points-model-onnx"];
        await exported.LoadAsync();
        Assert.Equal(Framework.Onnx, exported.Framework);
        Assert.Equal(new Uri(onnxPath).AbsoluteUri, exported.Url);
        Assert.Equal(trainId, exported.TaskId);

        // …which OnnxModels.Open in the score sample found by its URL and linked as the input model.
        var scored = await Experiment.GetAsync(scoreId, fixture.Session);
        Assert.Equal("completed", scored.Status);
        Assert.Equal(exported.Id, Assert.Single(scored.Models.Input).Id);
        using var api = fixture.Server.Client();
        var task = (await api.CallAsync("tasks.get_by_id", new { task = scoreId })).Ok()["task"]!;
        var link = Assert.Single(task["models"]!["input"]!.AsArray())!;
        Assert.Equal(exported.Id, link["model"]!.GetValue<string>());
        Assert.Equal("points-model-onnx", link["name"]!.GetValue<string>());
    }

    [GeneratedRegex("experiment ([0-9a-f]{32})")]
    private static partial Regex ExperimentId();

    private sealed record Result(int ExitCode, string Output, string Error);

    private async Task<Result> RunAsync(string sample, string home, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(DllPath(sample));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // A home of its own, so no ~/clearml.conf of the machine is read and the cache is private.
        start.Environment["HOME"] = home;
        start.Environment["CLEARML_CONFIG_FILE"] = Path.Combine(home, "clearml.conf");
        start.Environment["CLEARML_API_HOST"] = fixture.Server.ApiUrl.AbsoluteUri.TrimEnd('/');
        start.Environment["CLEARML_FILES_HOST"] = fixture.FilesHost;
        start.Environment["CLEARML_API_ACCESS_KEY"] = TestServer.AccessKey;
        start.Environment["CLEARML_API_SECRET_KEY"] = TestServer.SecretKey;
        start.Environment["CLEARML_CACHE_DIR"] = Path.Combine(home, "cache");
        await File.WriteAllTextAsync(start.Environment["CLEARML_CONFIG_FILE"]!, "# configured through the environment\n");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the sample {sample}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The sample {sample} did not finish within three minutes.");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    private static string DllPath(string name)
    {
        // tests/<project>/bin/<configuration>/net10.0/ → the repository root and the configuration.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cairn.slnx")))
        {
            root = root.Parent;
        }
        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Cairn.slnx not found above " + AppContext.BaseDirectory),
            "samples", name, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The sample {name} is not built.", dll);
    }
}
