using System.Diagnostics;
using System.Text.RegularExpressions;
using Cairn.Testing;
using Xunit;

namespace Cairn.Integrations.MLNet.Tests;

/// <summary>
/// samples/MLNetTrain and samples/MLNetScore run as their own processes against a real server, as
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
        var output = Assert.Single(trained.Models.Output);
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
