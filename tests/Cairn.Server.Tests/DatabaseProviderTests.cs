using System.Net;
using System.Net.Sockets;
using Cairn.Server.Hosting;
using Cairn.Testing;
using Npgsql;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>Start-up's choice of metadata store (<c>Cairn:Database</c>) and its one-line errors.</summary>
public sealed class DatabaseProviderTests
{
    [Theory]
    [InlineData("--Cairn:Database:Provider=mongodb", "Cairn:Database:Provider must be 'sqlite' or 'postgres' (got 'mongodb').")]
    [InlineData("--Cairn:Database:Provider=postgres", "Cairn:Database:ConnectionString must be set when Cairn:Database:Provider is 'postgres'.")]
    [InlineData("--Cairn:Database:ConnectionString=Host=db", "Cairn:Database:ConnectionString is for the 'postgres' provider; the 'sqlite' store lives in Cairn:DataDir.")]
    public async Task A_bad_database_option_stops_start_up_with_one_line_naming_it(string argument, string message)
    {
        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync([argument]));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task The_provider_name_is_case_insensitive_and_sqlite_is_the_default()
    {
        await using (var server = await TestServer.StartAsync(["--Cairn:Database:Provider=SQLite"]))
        {
            using var client = new ApiClient(server.ApiUrl, null);
            (await client.CallAsync("debug.ping")).Ok();
        }
        await using var byDefault = await TestServer.StartAsync();
        Assert.True(File.Exists(Path.Combine(byDefault.DataDir, "cairn.db")));
    }

    [Fact]
    public async Task A_connection_string_that_does_not_parse_is_named_without_its_password()
    {
        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(
            ["--Cairn:Database:Provider=postgres", "--Cairn:Database:ConnectionString=Host=db;Password=hunter2-secret;Colour=blue"]));

        Assert.StartsWith("Cairn:Database:ConnectionString is not a valid PostgreSQL connection string", error.Message);
        Assert.DoesNotContain("hunter2-secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task An_unreachable_database_stops_start_up_with_one_line_naming_the_option_and_not_the_password()
    {
        var port = ClosedPort();
        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(
            ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString=Host=127.0.0.1;Port={port};Username=cairn;Password=hunter2-secret;Timeout=5"]));

        Assert.StartsWith($"Cairn:Database:ConnectionString: the PostgreSQL database 127.0.0.1:{port}/", error.Message);
        Assert.DoesNotContain("hunter2-secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_wrong_password_stops_start_up_with_one_line_naming_the_option_and_not_the_password()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(TestPostgres.AdminConnectionString) { Password = "wrong-hunter2-secret" }.ConnectionString;

        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(
            ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={connectionString}"]));

        Assert.StartsWith("Cairn:Database:ConnectionString: the PostgreSQL database", error.Message);
        Assert.Contains("password authentication failed", error.Message);
        Assert.DoesNotContain("wrong-hunter2-secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_server_on_postgres_migrates_its_database_and_serves_models_tasks_and_events()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await using (var server = await TestServer.StartAsync(
                ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={TestPostgres.ConnectionStringFor(database)}"]))
            {
                using var client = server.Client();

                // Models: create, tag and metadata writes, a filtered and ordered query.
                string CreatedId(ApiResponse response) => response.Ok()["id"]!.GetValue<string>();
                var first = CreatedId(await client.CallAsync("models.create", new { name = "pg first", uri = "s3://b/1.bin", tags = new[] { "prod" } }));
                var second = CreatedId(await client.CallAsync("models.create", new { name = "pg second", uri = "s3://b/2.bin", tags = new[] { "prod", "new" } }));
                CreatedId(await client.CallAsync("models.create", new { name = "other", uri = "s3://b/3.bin" }));
                (await client.CallAsync("models.add_or_update_metadata", new { model = first, metadata = new[] { new { key = "epochs", type = "int", value = "10" } } })).Ok();
                var models = (await client.CallAsync("models.get_all", new { tags = new[] { "prod" }, name = "^pg", order_by = new[] { "-name" }, only_fields = new[] { "id", "name" } })).Ok()["models"]!.AsArray();
                Assert.Equal([second, first], models.Select(m => m!["id"]!.GetValue<string>()));
                var byMetadata = (await client.CallAsync("models.get_all", new Dictionary<string, object> { ["metadata.epochs.value"] = new[] { "10" } })).Ok()["models"]!.AsArray();
                Assert.Equal([first], byMetadata.Select(m => m!["id"]!.GetValue<string>()));

                // Tasks: create, and find through get_all_ex.
                var task = CreatedId(await client.CallAsync("tasks.create", new { name = "pg task", type = "training" }));
                var tasks = (await client.CallAsync("tasks.get_all_ex", new { id = new[] { task }, only_fields = new[] { "id", "name", "status" } })).Ok()["tasks"]!.AsArray();
                Assert.Equal("pg task", Assert.Single(tasks)!["name"]!.GetValue<string>());

                // Events: a batch of scalars lands in last_metrics and in the histogram.
                var batch = new System.Text.StringBuilder();
                foreach (var (iter, value) in new[] { (0L, 1.0), (1L, 0.5), (2L, 0.25) })
                {
                    batch.Append(System.Text.Json.JsonSerializer.Serialize(new
                    {
                        timestamp = 1_700_000_000_000 + iter, type = "training_stats_scalar", task, iter, metric = "loss", variant = "train", value,
                    })).Append('\n');
                }
                Assert.Equal(3, (await client.SendAsync("v2.23/events.add_batch", batch.ToString(), "application/json-lines")).Ok()["added"]!.GetValue<int>());
                var histogram = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task })).Ok();
                Assert.Equal([1.0, 0.5, 0.25], histogram["loss"]!["train"]!["y"]!.AsArray().Select(y => y!.GetValue<double>()));
                var document = (await client.CallAsync("tasks.get_by_id", new { task })).Ok()["task"]!;
                Assert.Equal(2, document["last_iteration"]!.GetValue<long>());
                var lastMetrics = Assert.Single(document["last_metrics"]!.AsObject()).Value!.AsObject();
                Assert.Equal(0.25, Assert.Single(lastMetrics).Value!["value"]!.GetValue<double>());
            }

            // The rows are in PostgreSQL, under the newest schema.
            await using var connection = new NpgsqlConnection(TestPostgres.ConnectionStringFor(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT (SELECT MAX(version) FROM schema_version), (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM scalar_events)", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(Store.Postgres.PostgresDatabase.Migrations[^1].Version, reader.GetInt32(0));
            Assert.Equal(3, reader.GetInt64(1));
            Assert.Equal(3, reader.GetInt64(2));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
