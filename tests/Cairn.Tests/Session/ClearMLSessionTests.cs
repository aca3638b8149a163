using System.Text.Json.Nodes;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Session;

public sealed class ClearMLSessionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    internal static ClearMLSettings SettingsFor(TestServer server, string? secret = null) => new()
    {
        ApiHost = server.ApiUrl,
        FilesHost = new Uri($"http://127.0.0.1:{server.FilesPort}"),
        AccessKey = TestServer.AccessKey,
        SecretKey = secret ?? TestServer.SecretKey,
        RetryDeadline = TimeSpan.FromSeconds(10),
    };

    private sealed record ProjectCreated(string Id);

    [Fact]
    public async Task A_session_logs_in_and_calls_the_api_with_the_servers_version_from_the_token()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        var created = await session.CallAsync("projects.create", new { name = "session-call", description = "made by the SDK" });
        var id = created["id"]!.GetValue<string>();
        var project = await session.CallAsync("projects.get_by_id", new { project = id });
        Assert.Equal("session-call", project["project"]!["name"]!.GetValue<string>());
        Assert.Equal("2.31", session.ServerApiVersion);
    }

    [Fact]
    public async Task A_session_from_a_clearml_conf_file_reaches_the_server_it_names()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("clearml-conf-").FullName, "clearml.conf");
        File.WriteAllText(file, $$"""
            api {
                api_server: {{Server.ApiUrl}}
                files_server: "http://127.0.0.1:{{Server.FilesPort}}"
                credentials {"access_key": "{{TestServer.AccessKey}}", "secret_key": "{{TestServer.SecretKey}}"}
            }
            """);
        try
        {
            await using var session = ClearMLSession.FromConfiguration(new ClearMLSettingsOverrides { ConfigFile = file });
            Assert.Equal(file, session.Settings.ConfigFile);
            Assert.NotNull((await session.CallAsync("projects.get_all", null))["projects"]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_typed_call_deserializes_the_data_with_clearml_naming()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        var created = await session.CallAsync<ProjectCreated>("projects.create", new JsonObject { ["name"] = "typed-call", ["description"] = "" });
        Assert.Equal(32, created.Id.Length);
    }

    [Fact]
    public async Task A_refused_call_raises_the_request_exception_with_code_subcode_endpoint_and_trx()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("projects.get_by_id", new { project = "no-such-project" }));
        Assert.Equal("projects.get_by_id", e.Endpoint);
        Assert.Equal(400, e.ResultCode);
        Assert.Equal(401, e.ResultSubcode);
        Assert.False(string.IsNullOrEmpty(e.TransactionId));
        Assert.Contains("no-such-project", e.ServerMessage, StringComparison.Ordinal);
        Assert.Equal($"projects.get_by_id failed with 400/401: {e.ServerMessage}", e.Message);
    }

    [Fact]
    public async Task A_wrong_secret_fails_the_login_with_401_and_no_retries()
    {
        using var counting = new CountingHandler();
        await using var session = new ClearMLSession(SettingsFor(Server, secret: "wrong-secret"), null, counting);
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("projects.get_all", null));
        Assert.Equal(1, counting.Requests);
        Assert.Equal("auth.login", e.Endpoint);
        Assert.Equal(401, e.ResultCode);
        Assert.Equal(22, e.ResultSubcode);
    }

    [Fact]
    public void Settings_without_a_key_pair_are_refused_naming_what_to_set()
    {
        var settings = SettingsFor(Server) with { SecretKey = null };
        var e = Assert.Throws<ArgumentException>(() => new ClearMLSession(settings));
        Assert.Contains("CLEARML_API_SECRET_KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_revoked_by_logout_is_replaced_once_on_401()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        var first = await session.GetTokenAsync();
        using (var client = new ApiClient(Server.ApiUrl, ApiClient.Bearer(first)))
        {
            (await client.CallAsync("auth.logout")).Ok();
            (await client.CallAsync("projects.get_all", new { })).Fails(401, 30);
        }
        var projects = await session.CallAsync("projects.get_all", new { });
        Assert.NotNull(projects["projects"]);
        Assert.NotEqual(first, await session.GetTokenAsync());
    }

    [Fact]
    public async Task A_batch_is_sent_as_json_lines()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        var task = (await session.CallAsync("tasks.create", new { name = "batch", type = "training" }))["id"]!.GetValue<string>();
        JsonObject Scalar(int iteration) => new()
        {
            ["type"] = "training_stats_scalar", ["task"] = task, ["metric"] = "loss", ["variant"] = "train", ["iter"] = iteration, ["value"] = 1.0 / iteration,
        };
        var added = await session.CallBatchAsync("events.add_batch", [Scalar(1), Scalar(2), Scalar(3)]);
        Assert.Equal(3, added["added"]!.GetValue<int>());
        Assert.Empty(await session.CallBatchAsync("events.add_batch", []));
    }

    [Fact]
    public async Task A_cancelled_call_throws_operation_cancelled()
    {
        await using var session = new ClearMLSession(SettingsFor(Server));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.CallAsync("projects.get_all", null, cancelled.Token));
    }

    [Fact]
    public async Task The_log_names_the_login_and_calls_but_never_the_secret_or_the_token()
    {
        var log = new ListLoggerFactory();
        await using var session = new ClearMLSession(SettingsFor(Server), log);
        await session.CallAsync("projects.get_all", null);
        var token = await session.GetTokenAsync();
        Assert.Contains(log.Messages, m => m.Contains("Logged in", StringComparison.Ordinal) && m.Contains(TestServer.AccessKey, StringComparison.Ordinal));
        Assert.Contains(log.Messages, m => m.Contains("projects.get_all", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Messages, m => m.Contains(TestServer.SecretKey, StringComparison.Ordinal) || m.Contains(token, StringComparison.Ordinal));
    }
}
