using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>Authentication (api.md §2): Basic and Bearer, tokens, their claims, expiry and revocation.</summary>
public sealed class AuthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Login_with_basic_credentials_returns_a_token_with_the_claims_clients_read()
    {
        using var client = _server.Client();
        var response = await client.CallAsync("auth.login");
        var token = response.Ok()["token"]!.GetValue<string>();
        var payload = Jwt.Payload(token);
        Assert.Equal("2.31", payload["api_version"]!.GetValue<string>());
        Assert.Equal("2.0.0", payload["server_version"]!.GetValue<string>());
        Assert.Equal("basic", payload["feature_set"]!.GetValue<string>());
        Assert.Equal("Bearer", payload["auth_type"]!.GetValue<string>());
        var identity = payload["identity"]!;
        Assert.Equal("Test User", identity["user_name"]!.GetValue<string>());
        Assert.Equal("user", identity["role"]!.GetValue<string>());
        Assert.Equal("d1bd92a3b039400cbafc60a7a5b1e52b", identity["company"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", payload["session_id"]!.GetValue<string>());
        var lifetime = payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>();
        Assert.Equal(30 * 24 * 3600, lifetime);
        Assert.Equal("HS256", Jwt.Header(token)["alg"]!.GetValue<string>());

        var cookie = response.Http.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith($"clearml_token_basic={token}", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_sdk_login_call_with_expiration_in_the_query_string_sets_the_lifetime()
    {
        using var client = _server.Client();
        var token = (await client.CallAsync("auth.login?expiration_sec=3600")).Ok()["token"]!.GetValue<string>();
        var payload = Jwt.Payload(token);
        Assert.Equal(3600, payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(31_536_001)]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task An_expiration_outside_one_year_is_400_12(long seconds)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("auth.login", new { expiration_sec = seconds })).Fails(400, 12);
        Assert.Contains("expiration_sec", response.Message);
    }

    [Fact]
    public async Task A_token_works_on_other_endpoints_and_can_be_reissued_with_bearer()
    {
        using var client = _server.Client();
        var first = await client.LoginAsync();
        (await client.CallAsync("v2.23/projects.get_all", new { })).Ok();
        var second = (await client.CallAsync("auth.login")).Ok()["token"]!.GetValue<string>();
        Assert.NotEqual(first, second);
        Assert.Equal(Jwt.Payload(first)["identity"]!["user"]!.GetValue<string>(), Jwt.Payload(second)["identity"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Basic_credentials_are_accepted_on_every_endpoint()
    {
        using var client = _server.Client();
        (await client.CallAsync("v2.23/projects.get_all", new { })).Ok();
        (await client.CallAsync("users.get_current_user")).Ok();
        (await client.CallAsync("auth.get_credentials")).Ok();
    }

    [Fact]
    public async Task A_configured_users_name_and_password_work_as_basic_credentials()
    {
        using var client = new ApiClient(_server.ApiUrl, ApiClient.Basic(TestServer.Username, TestServer.Password));
        (await client.CallAsync("auth.login")).Ok();
        client.Authorization = ApiClient.Basic(TestServer.Username, "wrong-password");
        (await client.CallAsync("auth.login")).Fails(401, 22);
    }

    [Fact]
    public async Task The_token_cookie_authenticates_when_there_is_no_header()
    {
        using var client = _server.Client();
        var token = await client.LoginAsync();
        client.Authorization = null;
        var response = await client.SendAsync("users.get_current_user", "", "application/json", headers: [new("Cookie", $"clearml_token_basic={token}")]);
        Assert.Equal("Test User", response.Ok()["user"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task No_credentials_is_401_20()
    {
        using var client = _server.Client(authenticated: false);
        var response = (await client.CallAsync("projects.get_all")).Fails(401, 20);
        Assert.Equal("Unauthorized (missing credentials)", response.Message);
    }

    [Fact]
    public async Task An_unknown_key_is_401_22()
    {
        using var client = new ApiClient(_server.ApiUrl, ApiClient.Basic("NOSUCHKEY", TestServer.SecretKey));
        (await client.CallAsync("auth.login")).Fails(401, 22);
    }

    [Fact]
    public async Task A_wrong_secret_is_401_22()
    {
        using var client = new ApiClient(_server.ApiUrl, ApiClient.Basic(TestServer.AccessKey, "not-the-secret"));
        var response = (await client.CallAsync("projects.get_all")).Fails(401, 22);
        Assert.StartsWith("Unauthorized (invalid credentials)", response.Message);
    }

    [Theory]
    [InlineData("Basic", "%%%not-base64")]
    [InlineData("Basic", "bm9jb2xvbg==")]
    public async Task Malformed_basic_credentials_are_401_21(string scheme, string parameter)
    {
        using var client = new ApiClient(_server.ApiUrl, new AuthenticationHeaderValue(scheme, parameter));
        (await client.CallAsync("auth.login")).Fails(401, 21);
    }

    [Theory]
    [InlineData("Digest", "abc")]
    [InlineData("Token", "abc")]
    public async Task Another_authorization_scheme_is_401_10(string scheme, string parameter)
    {
        using var client = new ApiClient(_server.ApiUrl, new AuthenticationHeaderValue(scheme, parameter));
        var response = (await client.CallAsync("auth.login")).Fails(401, 10);
        Assert.Equal("Unauthorized (bad authentication header type): auth_type=" + scheme, response.Message);
    }

    [Fact]
    public async Task An_expired_token_is_401_30()
    {
        using var client = _server.Client();
        var payload = Jwt.Payload(await client.LoginAsync());
        payload["exp"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        client.Authorization = ApiClient.Bearer(Jwt.Sign(payload, TestServer.SigningKey));
        var response = (await client.CallAsync("projects.get_all")).Fails(401, 30);
        Assert.Equal("Invalid token (token expired)", response.Message);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401_30()
    {
        using var client = _server.Client();
        var payload = Jwt.Payload(await client.LoginAsync());
        client.Authorization = ApiClient.Bearer(Jwt.Sign(payload, "another-signing-key-0123456789abcdefghijklmnop"));
        (await client.CallAsync("projects.get_all")).Fails(401, 30);
    }

    [Theory]
    [InlineData("not.a.token")]
    [InlineData("garbage")]
    public async Task A_malformed_token_is_401_30(string token)
    {
        using var client = new ApiClient(_server.ApiUrl, ApiClient.Bearer(token));
        (await client.CallAsync("projects.get_all")).Fails(401, 30);
    }

    [Fact]
    public async Task A_token_without_an_identity_is_401_30()
    {
        var payload = new JsonObject { ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), ["session_id"] = "x" };
        using var client = new ApiClient(_server.ApiUrl, ApiClient.Bearer(Jwt.Sign(payload, TestServer.SigningKey)));
        (await client.CallAsync("projects.get_all")).Fails(401, 30);
    }

    [Fact]
    public async Task Logout_revokes_the_token_and_clears_the_cookie()
    {
        using var client = _server.Client();
        await client.LoginAsync();
        var response = await client.CallAsync("v2.23/auth.logout");
        Assert.Empty(response.Ok());
        Assert.Contains("clearml_token_basic=;", response.Http.Headers.GetValues("Set-Cookie").Single());
        var rejected = (await client.CallAsync("projects.get_all")).Fails(401, 30);
        Assert.Equal("Invalid token (token revoked)", rejected.Message);
    }

    [Fact]
    public async Task A_revocation_holds_on_every_replica_sharing_the_store()
    {
        // A second server on the same data directory and signing key stands in for a replica.
        await using var replica = await TestServer.StartAsync(dataDir: _server.DataDir);
        using var client = _server.Client();
        var token = await client.LoginAsync();
        using var onReplica = new ApiClient(replica.ApiUrl, ApiClient.Bearer(token));
        (await onReplica.CallAsync("projects.get_all")).Ok();
        (await client.CallAsync("v2.23/auth.logout")).Ok();
        (await onReplica.CallAsync("projects.get_all")).Fails(401, 30);
    }

    [Fact]
    public async Task Endpoints_without_authorization_need_no_credentials()
    {
        using var client = _server.Client(authenticated: false);
        (await client.CallAsync("server.info")).Ok();
        (await client.CallAsync("debug.ping")).Ok();
    }
}
