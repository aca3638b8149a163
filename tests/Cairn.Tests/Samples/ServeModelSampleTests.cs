using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Cairn.Tests.Models;
using Xunit;

namespace Cairn.Tests.Samples;

/// <summary>
/// samples/ServeModel run as its own process: it registers the SDK through DI from the
/// <c>ClearML</c> configuration section, picks the newest published model with a tag at start-up,
/// downloads it through the cache and answers predictions with ONNX Runtime.
/// </summary>
public sealed class ServeModelSampleTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    // samples/ServeModel/make_model.py: score = x · [0.5, -1.25, 2.0] + 0.75.
    private static float Expected(float[] x) => (0.5f * x[0]) - (1.25f * x[1]) + (2.0f * x[2]) + 0.75f;

    [Fact]
    public async Task The_minimal_api_sample_serves_predictions_from_the_newest_published_model_with_its_tag()
    {
        var tag = $"serve-{Guid.NewGuid():N}";
        var experiment = await Experiment.InitAsync(SdkServerFixture.UniqueProject("serve"), "train for serving", outputUri: true, session: fixture.Session);
        // An older published model and a newer draft, both tagged and both unusable: the sample must pick neither.
        var older = new OutputModel(experiment, name: "older published", tags: [tag]);
        await older.UpdateWeightsAsync(registerUri: $"https://example.invalid/{tag}/older.onnx");
        await older.PublishAsync();
        var onnx = Path.Combine(SampleProgram.RepositoryRoot(), "samples", "ServeModel", "linear.onnx");
        var current = new OutputModel(experiment, name: "linear scorer", tags: [tag]);
        await current.UpdateWeightsAsync(onnx);
        await current.Experiment.CloseAsync();
        await current.PublishAsync();
        var draft = new OutputModel(await Experiment.InitAsync(experiment.ProjectName!, "draft run", session: fixture.Session), name: "newer draft", tags: [tag]);
        await draft.UpdateWeightsAsync(registerUri: $"https://example.invalid/{tag}/draft.onnx");

        var home = Directory.CreateTempSubdirectory("cairn-serve-home-").FullName;
        var port = TestServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "exec", SampleProgram.DllPath("ServeModel"), "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }
        // Configured as a host is: the ClearML section, here from environment variables; no clearml.conf of the machine.
        start.Environment["HOME"] = home;
        start.Environment["ClearML__ApiHost"] = fixture.Server.ApiUrl.AbsoluteUri;
        start.Environment["ClearML__FilesHost"] = fixture.FilesHost;
        start.Environment["ClearML__AccessKey"] = TestServer.AccessKey;
        start.Environment["ClearML__SecretKey"] = TestServer.SecretKey;
        start.Environment["ClearML__CacheDirectory"] = Path.Combine(home, "cache");
        start.Environment["Serve__Tag"] = tag;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            var info = await WaitForAsync(http, process, output, error);
            Assert.Equal(current.Id, info["id"]!.GetValue<string>());
            Assert.Equal(3, info["features"]!.GetValue<int>());

            float[] x = [1f, 2f, 3f];
            using var answer = await http.PostAsJsonAsync("/predict", new JsonObject { ["features"] = new JsonArray(1f, 2f, 3f) });
            answer.EnsureSuccessStatusCode();
            var prediction = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.Equal(Expected(x), prediction["score"]!.GetValue<float>(), 4);
            Assert.Equal(current.Id, prediction["modelId"]!.GetValue<string>());

            using var bad = await http.PostAsJsonAsync("/predict", new JsonObject { ["features"] = new JsonArray(1f) });
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True(Directory.EnumerateFiles(Path.Combine(home, "cache"), "*.onnx", SearchOption.AllDirectories).Any(), "the weights were not downloaded through the cache");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Polls <c>/model</c> until the sample answers (at most two minutes), failing early if it exits.</summary>
    private static async Task<JsonNode> WaitForAsync(HttpClient http, Process process, Task<string> output, Task<string> error)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"The sample exited with {process.ExitCode}:\n{await output}{await error}");
            }
            try
            {
                var text = await http.GetStringAsync("/model", deadline.Token);
                return JsonNode.Parse(text)!;
            }
            catch (HttpRequestException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(200, deadline.Token); // Not listening yet: poll again within the deadline.
            }
        }
    }
}
