using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>The transport of api.md §1: paths, versions, methods, bodies, the envelope and its errors.</summary>
public sealed class WireProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData("debug.ping")]
    [InlineData("/debug.ping/")]
    [InlineData("v2.23/debug.ping")]
    [InlineData("/v2.1/debug.ping")]
    public async Task Versioned_and_unversioned_paths_reach_the_endpoint(string path)
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.CallAsync(path)).Ok();
        Assert.Equal("ClearML server", data["msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_meta_field_is_present_and_status_equals_result_code()
    {
        using var client = _server.Client();
        var response = await client.CallAsync("v2.23/projects.get_all", new { });
        Assert.Equal(200, response.Status);
        var meta = response.Meta;
        Assert.Matches("^[0-9a-f]{32}$", meta["id"]!.GetValue<string>());
        Assert.Equal(meta["id"]!.GetValue<string>(), meta["trx"]!.GetValue<string>());
        Assert.Equal("projects.get_all", meta["endpoint"]!["name"]!.GetValue<string>());
        Assert.Equal("2.23", meta["endpoint"]!["requested_version"]!.GetValue<string>());
        Assert.Equal("1.0", meta["endpoint"]!["actual_version"]!.GetValue<string>());
        Assert.Equal(200, meta["result_code"]!.GetValue<int>());
        Assert.Equal(0, meta["result_subcode"]!.GetValue<int>());
        Assert.Equal("OK", meta["result_msg"]!.GetValue<string>());
        Assert.True(meta.ContainsKey("error_stack"));
        Assert.Empty(meta["error_data"]!.AsObject());
        Assert.Equal("application/json", response.Http.Content.Headers.ContentType!.MediaType);
        Assert.Equal("clearml", response.Http.Headers.Server.ToString());
    }

    [Fact]
    public async Task A_path_without_a_version_reports_the_server_maximum()
    {
        using var client = _server.Client(authenticated: false);
        var response = await client.CallAsync("server.info");
        Assert.Equal("2.31", response.Meta["endpoint"]!["requested_version"]!.GetValue<string>());
        Assert.Equal("2.12", response.Meta["endpoint"]!["actual_version"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_version_above_the_maximum_is_served_like_the_maximum()
    {
        using var client = _server.Client(authenticated: false);
        var response = await client.CallAsync("v2.99/server.info");
        Assert.Equal("2.99", response.Meta["endpoint"]!["requested_version"]!.GetValue<string>());
        Assert.Equal("2.31", response.Ok()["api_version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Versions_below_2_1_are_reported_as_numbers()
    {
        using var client = _server.Client(authenticated: false);
        var endpoint = (await client.CallAsync("v2.0/debug.ping")).Meta["endpoint"]!;
        Assert.Equal(2.0, endpoint["requested_version"]!.GetValue<double>());
        Assert.Equal(1.0, endpoint["actual_version"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_version_below_the_endpoints_minimum_is_404()
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("v2.1/auth.logout")).Fails(404, 0);
        Assert.Equal("Unable to find endpoint for name auth.logout and version 2.1", response.Message);
    }

    [Theory]
    [InlineData("models.no_such_action")]
    [InlineData("v2.23/nothing.here")]
    public async Task An_unknown_endpoint_is_404_with_the_envelope(string path)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync(path)).Fails(404, 0);
        Assert.StartsWith("Unable to find endpoint for name", response.Message);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("v2/debug.ping")]
    [InlineData("a/b/c.d")]
    [InlineData("1x.ping")]
    public async Task A_malformed_path_is_400_0_naming_the_path(string path)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync(path)).Fails(400, 0);
        Assert.Equal($"Invalid request path /{path}", response.Message);
        Assert.Equal("", response.Meta["endpoint"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Any_method_carries_a_json_body(string method)
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.CallAsync("debug.ping", new { hello = "world" }, new HttpMethod(method))).Ok();
        Assert.Equal("world", data["hello"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_body_is_json_whatever_the_content_type_says()
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.SendAsync("debug.ping", """{"x": 5}""", "text/plain")).Ok();
        Assert.Equal(5, data["x"]!.GetValue<int>());
    }

    [Fact]
    public async Task Query_string_fields_are_merged_with_type_coercion()
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.CallAsync("debug.ping?n=12&f=1.5&t=true&u=True&v=FALSE&s=abc&l[]=1&r=a&r=b&nested.key=7&x=2", new { x = 1, keep = "me" })).Ok();
        Assert.Equal(12, data["n"]!.GetValue<long>());
        Assert.Equal(1.5, data["f"]!.GetValue<double>());
        Assert.True(data["t"]!.GetValue<bool>());
        Assert.True(data["u"]!.GetValue<bool>());
        Assert.False(data["v"]!.GetValue<bool>());
        Assert.Equal("abc", data["s"]!.GetValue<string>());
        Assert.Equal([1L], data["l"]!.AsArray().Select(v => v!.GetValue<long>()));
        Assert.Equal(["a", "b"], data["r"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(7, data["nested"]!["key"]!.GetValue<long>());
        Assert.Equal(2, data["x"]!.GetValue<long>());
        Assert.Equal("me", data["keep"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_json_lines_body_is_read_as_a_batch()
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.SendAsync("debug.ping", "{\"i\": 1}\n\n{\"i\": 2}\n", "application/json-lines")).Ok();
        Assert.Equal([1, 2], data["batch"]!.AsArray().Select(item => item!["i"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("{\"i\": 1}\nnot json\n")]
    [InlineData("{\"i\": 1}\n[1, 2]\n")]
    public async Task A_bad_line_in_a_batch_is_400_0_naming_the_line(string body)
    {
        using var client = _server.Client(authenticated: false);
        var response = (await client.SendAsync("debug.ping", body, "application/json-lines")).Fails(400, 0);
        Assert.Contains("line 2", response.Message);
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("{'name': 'x'}")]
    [InlineData("{\"a\": 1} trailing")]
    public async Task Malformed_json_is_400_0(string body)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("projects.create", body)).Fails(400, 0);
        Assert.StartsWith("Invalid JSON in request body", response.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "array")]
    [InlineData("\"text\"", "string")]
    [InlineData("42", "number")]
    [InlineData("null", "null")]
    public async Task A_body_that_is_not_an_object_is_400_0(string body, string kind)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("projects.get_all", body)).Fails(400, 0);
        Assert.Equal($"Request body must be a JSON object, not {kind}", response.Message);
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_400_12_naming_the_field()
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("auth.login", new { expiration_sec = "soon" })).Fails(400, 12);
        Assert.Contains("expiration_sec", response.Message);
        response = (await client.CallAsync("projects.create", new { name = "typed project", tags = "not-a-list" })).Fails(400, 12);
        Assert.Contains("tags", response.Message);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_the_envelope_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:MaxRequestBodyBytes=2048"]);
        using var client = server.Client();
        var big = "{\"name\": \"oversized project\", \"description\": \"" + new string('x', 4096) + "\"}";
        var response = (await client.CallAsync("projects.create", big)).Fails(413, 0);
        Assert.Contains("2048", response.Message);

        // Without Content-Length (chunked), Kestrel's own limit triggers the same answer.
        using var request = new HttpRequestMessage(HttpMethod.Post, "projects.create")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))),
        };
        request.Headers.TransferEncodingChunked = true;
        (await ApiClient.ParseAsync(await client.RawAsync(request))).Fails(413, 0);

        var all = (await client.CallAsync("projects.get_all", new { name = "oversized" })).Ok();
        Assert.Empty(all["projects"]!.AsArray());
    }

    [Fact]
    public async Task A_content_encoded_request_is_415_in_plain_text()
    {
        using var client = _server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "debug.ping") { Content = new StringContent("{}") };
        request.Content.Headers.ContentEncoding.Add("gzip");
        using var response = await client.RawAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_transaction_header_is_echoed_under_either_prefix()
    {
        using var client = _server.Client(authenticated: false);
        var response = await client.SendAsync("debug.ping", "", "application/json", headers: [new("X-ClearML-Trx", "trx-1")]);
        Assert.Equal("trx-1", response.Meta["trx"]!.GetValue<string>());
        response = await client.SendAsync("debug.ping", "", "application/json", headers: [new("X-Trains-Trx", "trx-2")]);
        Assert.Equal("trx-2", response.Meta["trx"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_preflight_request_is_answered_200_and_without_cors_headers_for_an_origin_not_allowed()
    {
        // ClearML allows every origin with credentials; Cairn only those in Cairn:CorsOrigins (Hardening/OriginTests).
        using var client = _server.Client(authenticated: false);
        using var request = new HttpRequestMessage(HttpMethod.Options, "projects.get_all");
        request.Headers.Add("Origin", "http://ui.example");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var response = await client.RawAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Responses_are_compressed_when_the_client_accepts_it()
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = _server.ApiUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "debug.ping");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await http.SendAsync(request);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
    }

    [Fact]
    public async Task Impersonation_headers_together_are_400_5()
    {
        using var client = _server.Client();
        var response = await client.SendAsync("projects.get_all", "{}", "application/json", headers:
        [
            new("X-ClearML-Impersonate-As", "someone"),
            new("X-ClearML-Act-As", "someone"),
        ]);
        response.Fails(400, 5);
    }

    [Fact]
    public async Task Impersonation_by_an_ordinary_user_is_403_20()
    {
        using var client = _server.Client();
        (await client.SendAsync("projects.get_all", "{}", "application/json", headers: [new("X-ClearML-Act-As", "someone")])).Fails(403, 20);
    }

    [Fact]
    public async Task An_admin_may_act_as_a_user_of_the_company_but_not_as_an_unknown_one()
    {
        await using var server = await TestServer.StartAsync(
        [
            "--Cairn:Users:1:Username=boss",
            "--Cairn:Users:1:Password=boss-password",
            "--Cairn:Users:1:Role=admin",
        ]);
        using var admin = new ApiClient(server.ApiUrl, ApiClient.Basic("boss", "boss-password"));
        using var user = server.Client();
        var userId = (await user.CallAsync("users.get_current_user")).Ok()["user"]!["id"]!.GetValue<string>();

        var actedAs = await admin.SendAsync("users.get_current_user", "", "application/json", headers: [new("X-ClearML-Impersonate-As", userId)]);
        Assert.Equal("Test User", actedAs.Ok()["user"]!["name"]!.GetValue<string>());
        var unknown = await admin.SendAsync("users.get_current_user", "", "application/json", headers: [new("X-Trains-Act-As", "0123456789abcdef0123456789abcdef")]);
        unknown.Fails(400, 301);
    }

    [Fact]
    public async Task Duplicate_keys_are_400_0()
    {
        using var client = _server.Client(authenticated: false);
        var response = (await client.CallAsync("debug.ping", """{"a": 1, "a": 2}""")).Fails(400, 0);
        Assert.StartsWith("Invalid JSON in request body", response.Message);
    }

    [Theory]
    [InlineData("debug.ping", """{"a": "\ud800"}""")]
    [InlineData("projects.get_by_id", """{"project": "\udc00x"}""")]
    public async Task A_string_with_an_unpaired_surrogate_is_400_0_in_one_valid_envelope(string path, string body)
    {
        using var client = _server.Client();
        (await client.CallAsync(path, body)).Fails(400, 0);
    }

    [Fact]
    public async Task A_version_that_is_not_a_number_is_a_malformed_path()
    {
        // Arabic-Indic digits; ASCII digits too large for a number are a version above the maximum (Hardening/RequestShapeTests).
        using var client = _server.Client(authenticated: false);
        (await client.CallAsync("v%D9%A2.%D9%A2/debug.ping")).Fails(400, 0);
    }
}
