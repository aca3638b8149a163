using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn projects</c>, <c>tasks</c> and <c>artifacts</c> against a real server, the experiment made by the SDK.</summary>
public sealed class CliProjectsTasksTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliProcess _cli = new(fixture.Server);
    private readonly ApiClient _api = fixture.Server.Client();

    public void Dispose()
    {
        _cli.Dispose();
        _api.Dispose();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [Fact]
    public async Task Projects_create_list_and_rm()
    {
        var name = Unique("cli-proj");
        var id = (await _cli.RunAsync("projects", "create", name, "--description", "made by the cli")).Ok().Stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", id);
        var project = (await _api.CallAsync("projects.get_by_id", new { project = id })).Ok()["project"]!;
        Assert.Equal(name, project["name"]!.GetValue<string>());

        var listed = (await _cli.RunAsync("projects", "list", "--json")).Ok().Json().AsArray();
        Assert.Contains(listed, p => p!["id"]!.GetValue<string>() == id && p["description"]!.GetValue<string>() == "made by the cli");
        Assert.Contains(name, (await _cli.RunAsync("projects", "list")).Ok().Stdout, StringComparison.Ordinal);

        var again = await _cli.RunAsync("projects", "create", name);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Stderr, StringComparison.Ordinal);

        (await _cli.RunAsync("projects", "rm", name)).Ok();
        (await _api.CallAsync("projects.get_by_id", new { project = id })).Fails(400, 401);
        var gone = await _cli.RunAsync("projects", "rm", name);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal($"cairn: no project is named '{name}'", gone.Stderr.Trim());
    }

    [Fact]
    public async Task Tasks_show_their_models_and_artifacts_download()
    {
        var project = Unique("cli-task");
        var weights = Path.Combine(_cli.Home, "trained.bin");
        await File.WriteAllBytesAsync(weights, [1, 2, 3, 4, 5]);
        var notes = Path.Combine(_cli.Home, "notes.txt");
        await File.WriteAllTextAsync(notes, "hello from the experiment");
        var settings = new ClearMLSettings
        {
            ApiHost = fixture.Server.ApiUrl,
            FilesHost = new Uri($"http://127.0.0.1:{fixture.Server.FilesPort}"),
            AccessKey = TestServer.AccessKey,
            SecretKey = TestServer.SecretKey,
            CacheDirectory = Path.Combine(_cli.Home, "sdk-cache"),
            RetryDeadline = TimeSpan.FromSeconds(30),
        };
        string taskId, outputId, inputId;
        await using (var session = new ClearMLSession(settings))
        {
            var experiment = await Experiment.InitAsync(project, "train", session: session);
            taskId = experiment.Id;
            var input = await InputModel.ImportModelAsync("https://weights.example/base.pt", name: "base", project: project, session: session);
            inputId = input.Id;
            await experiment.ConnectAsync(input);
            await experiment.UpdateOutputModelAsync(weights, name: "trained");
            await experiment.UploadArtifactAsync("notes", new FileInfo(notes));
            await experiment.CloseAsync();
            await experiment.RefreshAsync();
            outputId = experiment.Models.Output[0].Id;
        }

        var listed = (await _cli.RunAsync("tasks", "list", "--project", project, "--json")).Ok().Json().AsArray();
        Assert.Equal(taskId, Assert.Single(listed)!["id"]!.GetValue<string>());
        Assert.Equal(project, listed[0]!["project"]!.GetValue<string>());

        var shown = (await _cli.RunAsync("tasks", "show", taskId, "--json")).Ok().Json();
        Assert.Equal("train", shown["name"]!.GetValue<string>());
        Assert.Equal(inputId, Assert.Single(shown["input_models"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal(outputId, Assert.Single(shown["output_models"]!.AsArray())!["id"]!.GetValue<string>());
        var table = (await _cli.RunAsync("tasks", "show", taskId)).Ok().Stdout;
        Assert.Contains(inputId, table, StringComparison.Ordinal);
        Assert.Contains(outputId, table, StringComparison.Ordinal);

        var artifacts = (await _cli.RunAsync("artifacts", "list", taskId, "--json")).Ok().Json().AsArray();
        var artifact = Assert.Single(artifacts)!;
        Assert.Equal("notes", artifact["name"]!.GetValue<string>());
        Assert.Equal(25, artifact["size"]!.GetValue<long>());

        var target = Path.Combine(_cli.Home, "got.txt");
        var got = (await _cli.RunAsync("artifacts", "get", taskId, "notes", "-o", target)).Ok();
        Assert.Equal(target, got.Stdout.Trim());
        Assert.Equal("hello from the experiment", await File.ReadAllTextAsync(target));

        var missing = await _cli.RunAsync("artifacts", "get", taskId, "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("has no artifact named 'nope' (it has: notes)", missing.Stderr, StringComparison.Ordinal);

        var downloaded = (await _cli.RunAsync("models", "download", outputId, "-o", Path.Combine(_cli.Home, "dl") + "/")).Ok().Stdout.Trim();
        Assert.Equal([1, 2, 3, 4, 5], await File.ReadAllBytesAsync(downloaded));
    }
}
