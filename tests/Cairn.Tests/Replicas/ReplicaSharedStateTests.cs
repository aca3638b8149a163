using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Amazon.S3.Model;
using Cairn.Testing;
using Npgsql;
using Xunit;

namespace Cairn.Tests.Replicas;

/// <summary>
/// What one replica does, the others see: each check starts on one server process and continues,
/// or races, on the others, all on one PostgreSQL database and one bucket (<see cref="ReplicaCluster"/>).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed partial class ReplicaSharedStateTests(ReplicaCluster cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private ServerProcess Replica(int i) => cluster.Replicas[i % cluster.Replicas.Count];

    private static ApiClient WithToken(ServerProcess replica, string token) => new(replica.ApiUrl, ApiClient.Bearer(token));

    private static string Unique(string name) => $"{name} {Guid.NewGuid():N}"[..(name.Length + 13)];

    [Fact]
    public async Task A_token_revoked_on_one_replica_is_refused_by_the_others_and_their_file_servers()
    {
        using var first = Replica(0).Client();
        var token = await first.LoginAsync();
        foreach (var replica in cluster.Replicas)
        {
            using var client = WithToken(replica, token);
            (await client.CallAsync("users.get_current_user")).Ok();
        }

        (await first.CallAsync("auth.logout")).Ok();

        foreach (var replica in cluster.Replicas)
        {
            using var client = WithToken(replica, token);
            var refused = (await client.CallAsync("users.get_current_user")).Fails(401, 30);
            Assert.Contains("revoked", refused.Message, StringComparison.Ordinal);
            using var files = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{replica.FilesPort}/replicas/any/file.bin");
            request.Headers.Authorization = ApiClient.Bearer(token);
            using var response = await files.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("token revoked", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Only that session ended: a new token works on every replica.
        using var again = Replica(1).Client();
        var fresh = await again.LoginAsync();
        using var elsewhere = WithToken(Replica(2), fresh);
        (await elsewhere.CallAsync("users.get_current_user")).Ok();
    }

    [Fact]
    public async Task A_models_scroll_begun_on_one_replica_continues_on_the_others()
    {
        using var writer = Replica(0).Client();
        var project = (await writer.CallAsync("projects.create", new { name = Unique("scroll"), description = "" })).Ok()["id"]!.GetValue<string>();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            using var client = Replica(i).Client();
            ids.Add((await client.CallAsync("models.create", new { name = $"scroll model {i}", uri = "s3://bucket/m.bin", project })).Ok()["id"]!.GetValue<string>());
        }

        // Pages of 3 from replicas 0, 1, 2, then 0 again for the empty page that ends the scroll.
        var seen = new List<string>();
        var sizes = new List<int>();
        string? scrollId = null;
        for (var page = 0; page < 4; page++)
        {
            using var client = Replica(page).Client();
            var data = (await client.CallAsync("models.get_all_ex", new Dictionary<string, object?>
            {
                ["project"] = new[] { project },
                ["size"] = 3,
                ["scroll_id"] = scrollId,
                ["only_fields"] = new[] { "id" },
            })).Ok();
            var rows = data["models"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
            var next = data["scroll_id"]!.GetValue<string>();
            // The same id throughout: the scroll continued, it did not start again on another replica.
            Assert.True(scrollId is null || scrollId == next, $"page {page} on another replica started a new scroll");
            scrollId = next;
            sizes.Add(rows.Count);
            seen.AddRange(rows);
        }
        Assert.Equal([3, 3, 1, 0], sizes);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_events_scroll_begun_on_one_replica_continues_on_the_others()
    {
        using var writer = Replica(0).Client();
        var task = (await writer.CallAsync("tasks.create", new { name = Unique("events scroll"), type = "training" })).Ok()["id"]!.GetValue<string>();
        var lines = string.Concat(Enumerable.Range(0, 25).Select(i =>
            $$"""{"timestamp": {{1_700_000_000_000 + i}}, "type": "training_stats_scalar", "task": "{{task}}", "iter": {{i}}, "metric": "loss", "variant": "train", "value": {{i}}}""" + "\n"));
        (await writer.SendAsync("v2.23/events.add_batch", lines, "application/json-lines")).Ok();

        var iterations = new List<long>();
        string? scrollId = null;
        for (var page = 0; page < 3; page++)
        {
            using var client = Replica(page).Client();
            var data = (await client.CallAsync("events.get_task_events", new Dictionary<string, object?> { ["task"] = task, ["batch_size"] = 10, ["scroll_id"] = scrollId })).Ok();
            Assert.Equal(25, data["total"]!.GetValue<int>());
            iterations.AddRange(data["events"]!.AsArray().Select(e => e!["iter"]!.GetValue<long>()));
            scrollId = data["scroll_id"]!.GetValue<string>();
        }
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), iterations);
    }

    [Fact]
    public async Task Deletions_queued_on_several_replicas_are_each_carried_out_once()
    {
        const int count = 6;
        var folder = $"replicas/{Guid.NewGuid():N}";
        using var api = Replica(0).Client();
        var token = await api.LoginAsync();

        // Weights uploaded through each replica's file server, registered under the balancer's address.
        var models = new List<(string Id, string Path)>();
        for (var i = 0; i < count; i++)
        {
            var path = $"{folder}/model-{i}.pt";
            using var files = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Replica(i).FilesPort}/") };
            files.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
            using var part = new ByteArrayContent(new byte[4096 + i]);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var form = new MultipartFormDataContent { { part, "/" + path, "/" + path } };
            using (var uploaded = await files.PostAsync("", form))
            {
                Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
            }
            using var client = WithToken(Replica(i), token);
            var uri = new Uri(RoundRobinHandler.FilesHost, path).AbsoluteUri;
            models.Add(((await client.CallAsync("models.create", new { name = $"doomed {i}", uri })).Ok()["id"]!.GetValue<string>(), path));
        }
        using var s3 = ReplicaCluster.S3();
        Assert.Equal(count, await CountObjectsAsync(s3, folder));

        // Deleted all at once through different replicas: each wakes its own deletion job, and
        // every job claims whatever is due, so the replicas race for the same queue rows.
        await Task.WhenAll(models.Select(async (model, i) =>
        {
            using var client = WithToken(Replica(i + 1), token);
            (await client.CallAsync("models.delete", new { model = model.Id })).Ok();
        }));

        var watch = Stopwatch.StartNew();
        while (await CountObjectsAsync(s3, folder) > 0 || await QueuedAsync(folder) > 0
            || models.Any(m => !cluster.Replicas.Any(r => r.Output.Contains($"{m.Path}: Deleted", StringComparison.Ordinal))))
        {
            Assert.True(watch.Elapsed < Patience,
                $"after {Patience}: {await CountObjectsAsync(s3, folder)} objects left, {await QueuedAsync(folder)} queued\n{string.Join("\n", cluster.Replicas.Select(r => r.Output))}");
            await Task.Delay(200);
        }
        // Each deletion was carried out by exactly one replica (a second claim would log the file as missing).
        foreach (var (_, path) in models)
        {
            var carriedOut = cluster.Replicas.SelectMany(r => r.Output.Split('\n')).Count(line => line.Contains($"Queued deletion of {path}:", StringComparison.Ordinal));
            Assert.True(carriedOut == 1, $"{path} was processed {carriedOut} times");
        }
    }

    [Fact]
    public async Task Fifty_concurrent_metadata_and_tag_updates_through_different_replicas_all_land()
    {
        const int updates = 50;
        using var creator = Replica(0).Client();
        var model = (await creator.CallAsync("models.create", new { name = Unique("contended"), uri = "s3://bucket/contended.bin" })).Ok()["id"]!.GetValue<string>();
        var clients = cluster.Replicas.Select(r => r.Client()).ToList();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, updates).SelectMany(i => new[]
            {
                Task.Run(async () => (await clients[i % clients.Count].CallAsync("models.add_or_update_metadata",
                    new { model, metadata = new[] { new { key = $"k{i}", type = "int", value = $"{i}" } } })).Ok()),
                Task.Run(async () => (await clients[(i + 1) % clients.Count].CallAsync("models.update_tags",
                    new { ids = new[] { model }, add_tags = new[] { $"t{i}" } })).Ok()),
            }));

            foreach (var client in clients)
            {
                var document = (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!;
                var metadata = document["metadata"]!.AsObject();
                Assert.Equal(Enumerable.Range(0, updates).Select(i => $"k{i}").Order(StringComparer.Ordinal), metadata.Select(p => p.Key).Order(StringComparer.Ordinal));
                Assert.All(metadata, p => Assert.Equal(p.Key[1..], p.Value!["value"]!.GetValue<string>()));
                var tags = document["tags"]!.AsArray().Select(t => t!.GetValue<string>());
                Assert.Equal(Enumerable.Range(0, updates).Select(i => $"t{i}").Order(StringComparer.Ordinal), tags.Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_browser_session_signed_in_on_one_replica_works_on_the_others()
    {
        // Each replica makes the web UI's sign-in key before its first web request, under the
        // store's lock: first visitors reaching every replica at once leave one key. Each creating
        // its own would split sessions once ASP.NET Core stops reloading its ring on unknown keys
        // (minutes after start).
        using (var first = new HttpClient())
        {
            var pages = await Task.WhenAll(cluster.Replicas.Select(r => first.GetAsync($"http://127.0.0.1:{r.WebPort}/login")));
            Assert.All(pages, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));
            Array.ForEach(pages, p => p.Dispose());
        }
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM data_protection_keys"));
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        string Web(int replica, string path) => $"http://127.0.0.1:{Replica(replica).WebPort}/{path}";

        // Sign in on the first replica with its form (and its antiforgery token).
        var form = HiddenInputs(await browser.GetStringAsync(Web(0, "login")));
        form["Input.Username"] = TestServer.Username;
        form["Input.Password"] = TestServer.Password;
        using (var signedIn = await browser.PostAsync(Web(0, "login"), new FormUrlEncodedContent(form)))
        {
            Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
            Assert.Equal("/projects", new Uri(new Uri(Web(0, "")), signedIn.Headers.Location!).AbsolutePath);
        }
        // Cookies are not told apart by port: the same session goes to every replica.
        var session = cookies.GetCookieHeader(new Uri(Web(0, "")));

        var page = "";
        for (var replica = 1; replica < cluster.Replicas.Count; replica++)
        {
            using var response = await browser.GetAsync(Web(replica, "projects"));
            page = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"replica {replica} answered {(int)response.StatusCode} {response.Headers.Location}");
            Assert.Matches("data-testid=\"signed-in-user\"[^>]*>[^<]*(<[^>]*>[^<]*)*Test User", page);
        }

        // Signing out on the last replica (its page's antiforgery token) ends the session everywhere:
        // the first replica, shown the old cookie again, sends the browser to sign in.
        var signOut = new Dictionary<string, string> { ["__RequestVerificationToken"] = AntiforgeryToken(page) };
        using (var signedOut = await browser.PostAsync(Web(cluster.Replicas.Count - 1, "logout"), new FormUrlEncodedContent(signOut)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }
        using var replay = new HttpRequestMessage(HttpMethod.Get, Web(0, "projects"));
        replay.Headers.Add("Cookie", session);
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
        using var ended = await client.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.Equal("/login", new Uri(new Uri(Web(0, "")), ended.Headers.Location!).AbsolutePath);
    }

    private static Dictionary<string, string> HiddenInputs(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));

    private static string AntiforgeryToken(string html) =>
        HiddenInputs(html).TryGetValue("__RequestVerificationToken", out var token) ? token : throw new InvalidOperationException("no antiforgery token on the page");

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)|<input[^>]*name="(?<name>[^"]+)"[^>]*type="hidden"[^>]*value="(?<value>[^"]*)""")]
    private static partial Regex HiddenInput();

    private async Task<int> CountObjectsAsync(Amazon.S3.IAmazonS3 s3, string folder) =>
        (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = cluster.Bucket, Prefix = $"files/{folder}/" })).S3Objects?.Count ?? 0;

    private Task<long> QueuedAsync(string folder) =>
        ScalarAsync("SELECT COUNT(*) FROM file_deletions WHERE url LIKE @prefix", new Uri(RoundRobinHandler.FilesHost, folder).AbsoluteUri + "/%");

    private async Task<long> ScalarAsync(string sql, string? prefix = null)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (prefix is not null)
        {
            command.Parameters.AddWithValue("prefix", prefix);
        }
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
