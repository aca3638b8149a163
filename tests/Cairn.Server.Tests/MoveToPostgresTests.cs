using System.Net;
using Cairn.Server.Hosting;
using Cairn.Server.Tests.Events;
using Cairn.Server.Tests.Files;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>
/// <c>cairn move-to-postgres</c>: an installation filled on SQLite through the API, moved into an
/// empty PostgreSQL database, serves the same answers from it; a second move into the now
/// non-empty database, and a move from a folder with no store, are refused and change nothing.
/// </summary>
public sealed class MoveToPostgresTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cairn-move-").FullName;
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_database);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int Code, string Output, string Error)> MoveAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MoveCommand.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The calls whose answers must not change with the move, as one string per call.</summary>
    private static async Task<List<string>> AnswersAsync(TestServer server, string project, string task, string model, string filePath)
    {
        using var client = server.Client();
        var answers = new List<string>();
        async Task Add(string endpoint, object body) => answers.Add($"{endpoint}: {(await client.CallAsync(endpoint, body)).Ok().ToJsonString()}");
        await Add("projects.get_all_ex", new { name = $"^{project}", order_by = new[] { "name" } });
        await Add("models.get_all", new { project = new[] { project } }); // natural order: the insertion order
        await Add("models.get_all", new { order_by = new[] { "-created", "name" }, tags = new[] { "even" } });
        await Add("models.get_all", new { metadata = new object[] { new { key = "rank", value = "3" } } });
        await Add("models.get_by_id", new { model });
        await Add("tasks.get_by_id", new { task });
        await Add("tasks.get_all_ex", new { project = new[] { project } });
        await Add("events.scalar_metrics_iter_histogram", new { task });
        await Add("events.get_task_log", new { task, batch_size = 100 });
        await Add("events.get_task_plots", new { task, iters = 5 });
        await Add("events.get_task_single_value_metrics", new { tasks = new[] { task } });
        await Add("events.get_scalar_metrics_and_variants", new { task });
        using var files = await FilesClient.ForAsync(server);
        using var download = await files.GetAsync(filePath);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        answers.Add($"file: {FilesClient.Sha256(await download.Content.ReadAsByteArrayAsync())}");
        return answers;
    }

    [Fact]
    public async Task A_sqlite_installation_moved_into_an_empty_database_serves_the_same_answers_and_a_second_move_is_refused()
    {
        var project = $"moved-{Guid.NewGuid():N}"[..14];
        string task, model, key, secret;
        var filePath = $"{project}/train.1/models/weights.bin";
        List<string> before;
        await using (var sqlite = await TestServer.StartAsync(dataDir: _dataDir))
        {
            using var client = sqlite.Client();
            var projectId = (await client.CallAsync("projects.create", new { name = project, description = "moved" })).Ok()["id"]!.GetValue<string>();
            (await client.CallAsync("projects.create", new { name = project + "/child", description = "nested" })).Ok();
            task = (await client.CallAsync("tasks.create", new { name = "train", type = "training", project = projectId, tags = new[] { "a" } })).Ok()["id"]!.GetValue<string>();
            var models = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var id = (await client.CallAsync("models.create", new
                {
                    name = $"model {5 - i}", uri = $"s3://bucket/m{i}.bin", project = projectId, task, tags = new[] { i % 2 == 0 ? "even" : "odd" },
                    framework = "PyTorch", labels = new { background = 0, cat = i + 1 }, ready = false,
                })).Ok()["id"]!.GetValue<string>();
                (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { new { key = "rank", value = $"{i}", type = "int" } } })).Ok();
                models.Add(id);
            }
            model = models[3];
            (await client.CallAsync("models.set_ready", new { model, publish_task = false })).Ok();
            var events = new List<object>();
            for (var iter = 0; iter < 50; iter++)
            {
                events.Add(EventsApi.Scalar(task, iter, 1.0 / (iter + 1)));
                events.Add(EventsApi.Scalar(task, iter, iter * 0.5, metric: "accuracy", variant: "val"));
            }
            events.Add(EventsApi.Scalar(task, -2147483648, 0.93, metric: "Summary", variant: "f1"));
            events.Add(EventsApi.Plot(task, 3, """{"data":[{"x":[1,2],"y":[3,4]}],"layout":{"title":"roc"}}"""));
            for (var line = 0; line < 30; line++)
            {
                events.Add(EventsApi.Log(task, $"line {line}", 1_700_000_000_000 + (line / 3)));
            }
            Assert.Equal(events.Count, (await client.AddBatchAsync([.. events])).Ok()["added"]!.GetValue<int>());
            var credentials = (await client.CallAsync("auth.create_credentials", new { label = "moved key" })).Ok()["credentials"]!;
            (key, secret) = (credentials["access_key"]!.GetValue<string>(), credentials["secret_key"]!.GetValue<string>());
            using (var files = await FilesClient.ForAsync(sqlite))
            {
                using var upload = await files.UploadAsync(filePath, FilesClient.RandomBytes(70_000));
                Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
            }
            before = await AnswersAsync(sqlite, project, task, model, filePath);
        }

        var connection = TestPostgres.ConnectionStringFor(_database);
        var (code, output, error) = await MoveAsync("--from", _dataDir, "--to", connection);
        Assert.True(code == 0, error);
        Assert.Contains("scalar_events: 101 rows", output);
        Assert.Contains("other_events: 31 rows", output);
        Assert.Contains("models: 6 rows", output);
        Assert.Contains("files: 1 rows", output);

        await using (var postgres = await TestServer.StartAsync(
            ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={connection}"], dataDir: _dataDir))
        {
            Assert.Equal(before, await AnswersAsync(postgres, project, task, model, filePath));
            // The key pair made on SQLite signs in (its secret's hash moved), and new rows get new sequence numbers.
            using var moved = new ApiClient(postgres.ApiUrl, ApiClient.Basic(key, secret));
            (await moved.CallAsync("projects.get_all", new { name = project })).Ok();
            var newer = (await moved.CallAsync("models.create", new { name = "after the move", uri = "s3://bucket/new.bin", project = (await moved.CallAsync("projects.get_all", new { name = $"^{project}$" })).Ok()["projects"]![0]!["id"]!.GetValue<string>() })).Ok()["id"]!.GetValue<string>();
            var natural = (await moved.CallAsync("models.get_all", new { project = new[] { (await moved.CallAsync("models.get_by_id", new { model })).Ok()["model"]!["project"]!.GetValue<string>() }, only_fields = new[] { "id" } })).Ok()["models"]!.AsArray();
            Assert.Equal(newer, natural[^1]!["id"]!.GetValue<string>());
            Assert.Equal(7, natural.Count);
            (await moved.AddBatchAsync(EventsApi.Log(task, "after the move", 1_800_000_000_000))).Ok();
        }

        // The target has rows now: a second move is refused and writes nothing.
        var again = await MoveAsync("--from", Path.Combine(_dataDir, "cairn.db"), "--to", connection);
        Assert.Equal(2, again.Code);
        Assert.Contains("is not empty", again.Error);
        await using (var postgres = await TestServer.StartAsync(
            ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={connection}"], dataDir: _dataDir))
        {
            using var client = postgres.Client();
            Assert.Equal(7, (await client.CallAsync("models.get_all", new { name = "", only_fields = new[] { "id" } })).Ok()["models"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task A_folder_without_a_store_or_arguments_without_a_target_are_refused_and_create_nothing()
    {
        var empty = Directory.CreateTempSubdirectory("cairn-move-empty-").FullName;
        try
        {
            var (code, _, error) = await MoveAsync("--from", empty, "--to", TestPostgres.ConnectionStringFor(_database));
            Assert.Equal(2, code);
            Assert.Contains("There is no SQLite store at", error);
            Assert.Empty(Directory.EnumerateFileSystemEntries(empty));

            var usage = await MoveAsync("--from", empty);
            Assert.Equal(2, usage.Code);
            Assert.StartsWith("cairn: usage: cairn move-to-postgres", usage.Error);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
