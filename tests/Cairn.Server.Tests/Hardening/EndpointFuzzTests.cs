using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Server.Api;
using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// A generated fuzz over every registered endpoint: malformed bodies, wrong types for every request
/// field, extremes, deep nesting, bad query strings, versions, methods, content types and
/// encodings, garbage json-lines. Every answer is below 500 and an envelope whose result_code is
/// the HTTP status, and a refused request commits nothing (the database's data_version, seen from
/// another connection, does not move).
/// </summary>
public sealed class EndpointFuzzTests
{
    /// <summary>Every field name of every request type in the wire contracts, plus the ones handlers read from the raw body.</summary>
    private static readonly string[] Fields = [.. typeof(Cairn.Protocol.ClearmlJson).Assembly.GetTypes()
        .Where(t => t.IsClass && t.Namespace?.EndsWith(".Services", StringComparison.Ordinal) == true)
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
        .Concat(["id", "ids", "task", "model", "project", "name", "tags", "system_tags", "only_fields", "order_by", "page", "page_size",
            "scroll_id", "filters", "metadata", "events", "metrics", "iters", "force", "status", "hyperparams", "configuration", "artifacts", "models"])
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)];

    /// <summary>Values of the wrong type or at an extreme, one per request, rotated over the fields.</summary>
    private static readonly string[] WrongValues =
    [
        "null", "12345678901234567890123456789", "-1", "\"x\"", "true", "[]", "{}", "[{}]", "[null]", "1.5e308", "-0.0",
        "\"\\u0000\"", "\"" + new string('y', 5000) + "\"", "[" + string.Join(',', Enumerable.Repeat("\"t\"", 300)) + "]",
        "{\"$where\": \"1\"}", "\"__$not\"", "[[[[[[[[[[]]]]]]]]]]", "\"../../etc/passwd\"", "\"2024-13-45T99:99:99\"",
    ];

    private static readonly (string Name, string Body)[] Bodies =
    [
        ("truncated", """{"a": """),
        ("array", "[1, 2]"),
        ("null", "null"),
        ("string", "\"text\""),
        ("number", "42"),
        ("deep", string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)),
        ("deep array", new string('[', 5000) + new string(']', 5000)),
        ("duplicate keys", """{"name": "a", "name": "b"}"""),
        ("lone surrogate", """{"name": "\ud800"}"""),
        ("trailing garbage", """{"name": "a"} xyz"""),
        ("comment", """{/* c */ "name": "a"}"""),
        ("huge number", """{"page_size": 1e999, "page": 99999999999999999999}"""),
    ];

    private static readonly string[] Queries =
    [
        "?" + string.Join('.', Enumerable.Repeat("a", 100)) + "=1",
        "?%ZZ=1",
        "?page_size=99999999999999999999999",
        "?only_fields[]=name&only_fields=id",
        "?name=%00",
        "?a.b=1&a=2",
        "?" + string.Join('&', Enumerable.Range(0, 500).Select(i => $"k{i}=v")),
    ];

    [Fact]
    public async Task No_request_to_any_endpoint_gets_a_5xx_or_a_non_envelope_and_refused_ones_commit_nothing()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:QueryTimeout=00:00:00.5"]);
        using var setup = server.Client();
        var token = await setup.LoginAsync();
        var project = await setup.CreateProjectAsync("fuzz");
        var model = await setup.CreateModelAsync("fuzz model", new { project });
        var task = await setup.CreateTaskAsync();

        var registry = server.Service<EndpointRegistry>();
        var endpoints = registry.Endpoints.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        // Calls that would end the fuzz's own session or key pair get no field fuzz (a lucky field could revoke the key).
        var sessionEnders = new HashSet<string>(["auth.logout", "auth.revoke_credentials"], StringComparer.Ordinal);

        await using var watcher = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(server.DataDir, "cairn.db"), Mode = SqliteOpenMode.ReadOnly }.ToString());
        await watcher.OpenAsync();
        async Task<long> DataVersionAsync()
        {
            await using var command = watcher.CreateCommand();
            command.CommandText = "PRAGMA data_version";
            return (long)(await command.ExecuteScalarAsync())!;
        }

        // The watch sees the server's commits: a write moves data_version.
        var initial = await DataVersionAsync();
        await setup.CreateModelAsync("fuzz witness", new { project });
        Assert.NotEqual(initial, await DataVersionAsync());

        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = server.ApiUrl, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
        var failures = new List<string>();
        var sent = 0;

        async Task SendAsync(string label, HttpMethod method, string path, byte[]? body, string contentType = "application/json",
            Action<HttpRequestMessage>? adjust = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
            adjust?.Invoke(request);
            var version = await DataVersionAsync();
            using var response = await http.SendAsync(request);
            sent++;
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            if (status >= 500)
            {
                failures.Add($"{label}: HTTP {status}: {text[..Math.Min(300, text.Length)]}");
                return;
            }
            if (status == 415 && request.Content?.Headers.ContentEncoding.Count > 0)
            {
                return; // ClearML answers a Content-Encoding in plain text, outside the envelope.
            }
            if (method == HttpMethod.Head)
            {
                return; // An answer to HEAD has no body.
            }
            if (status == 200 && path.Contains("auth.logout", StringComparison.Ordinal))
            {
                // The fuzz's own session ended: carry on with a new one.
                using var basic = server.Client();
                http.DefaultRequestHeaders.Authorization = ApiClient.Bearer(await basic.LoginAsync());
            }
            JsonNode? envelope = null;
            try
            {
                envelope = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }
            if (envelope?["meta"]?["result_code"]?.GetValue<int>() != status)
            {
                failures.Add($"{label}: HTTP {status} without a matching envelope: {text[..Math.Min(300, text.Length)]}");
                return;
            }
            if (status >= 400 && await DataVersionAsync() != version)
            {
                failures.Add($"{label}: refused with {status} but committed a write");
            }
        }

        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        for (var e = 0; e < endpoints.Count; e++)
        {
            var endpoint = endpoints[e];
            var path = $"v{endpoint.MinVersion}/{endpoint.Name}";
            foreach (var (name, body) in Bodies)
            {
                await SendAsync($"{endpoint.Name} body {name}", HttpMethod.Post, path, Utf8(body));
            }
            await SendAsync($"{endpoint.Name} invalid utf-8", HttpMethod.Post, path, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
            await SendAsync($"{endpoint.Name} json-lines garbage", HttpMethod.Post, path, Utf8("{\"a\": 1}\nnot json\n[1]\n\n{\"task\": 5}\n"), "application/json-lines");
            await SendAsync($"{endpoint.Name} form body", HttpMethod.Post, path, Utf8("a=1&b=2"), "application/x-www-form-urlencoded");
            await SendAsync($"{endpoint.Name} gzip claimed", HttpMethod.Post, path, Utf8("{}"), adjust: r => r.Content!.Headers.ContentEncoding.Add("gzip"));
            foreach (var method in new[] { HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Head, new HttpMethod("BREW") })
            {
                await SendAsync($"{endpoint.Name} method {method}", method, path, method == HttpMethod.Head ? null : Utf8("""{"id": "x"}"""));
            }
            foreach (var query in Queries)
            {
                await SendAsync($"{endpoint.Name} query {query[..Math.Min(40, query.Length)]}", HttpMethod.Get, path + query, Utf8("{}"));
            }
            if (sessionEnders.Contains(endpoint.Name))
            {
                continue;
            }
            // Three wrong values per field, rotated so that across the endpoints every field gets every value.
            for (var f = 0; f < Fields.Length; f++)
            {
                foreach (var offset in new[] { 0, 7, 13 })
                {
                    var value = WrongValues[(e + f + offset) % WrongValues.Length];
                    var body = new JsonObject { ["task"] = task, ["model"] = model, ["project"] = project };
                    body[Fields[f]] = JsonNode.Parse(value);
                    await SendAsync($"{endpoint.Name} field {Fields[f]}={value[..Math.Min(30, value.Length)]}", HttpMethod.Post, path, Utf8(body.ToJsonString()));
                }
            }
        }
        foreach (var version in new[] { "v99999999999.0", "v2.99999999999999999999", "v0.0", "v2", "v2.x", "v-1.0", "v2.23.1" })
        {
            await SendAsync($"version {version}", HttpMethod.Get, $"{version}/debug.ping", null);
        }
        foreach (var odd in new[] { "nothing", "a.b.c", "models.", ".get_all", "models.get_all/extra", "%2e%2e/models.get_all", "models.get_all%01" })
        {
            await SendAsync($"path {odd}", HttpMethod.Get, odd, null);
        }
        // A NUL in the path is refused by Kestrel's parser before any middleware runs: a bare 400,
        // which the SDK reads as result_code 400 (not retried).
        using (var nul = await http.GetAsync("models.get_all%00"))
        {
            Assert.Equal(400, (int)nul.StatusCode);
        }

        Assert.True(sent > 3 * endpoints.Count * Fields.Length, $"only {sent} requests were sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n" + string.Join('\n', failures.Take(40)));
    }
}
