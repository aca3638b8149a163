using System.Net;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>File-server auth: a Bearer token or the clearml_token_basic cookie, verified locally; on by default.</summary>
public sealed class FileServerAuthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Every_call_without_a_token_is_401_with_a_message_and_writes_nothing()
    {
        using var files = await FilesClient.ForAsync(_server, authenticated: false);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));

        using var upload = await files.UploadAsync("anonymous.bin", [1, 2, 3]);
        using var get = await files.GetAsync("anonymous.bin");
        using var delete = await files.SendAsync(HttpMethod.Delete, "anonymous.bin");

        foreach (var response in new[] { upload, get, delete })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Bearer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        var payload = Jwt.Payload(await FilesClient.TokenAsync(_server));
        using var files = new FilesClient(FilesClient.FilesUrl(_server), Jwt.Sign(payload, "another-signing-key-0123456789abcdefghijklmnop"));

        using var response = await files.UploadAsync("forged.bin", [1]);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid signature", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var payload = Jwt.Payload(await FilesClient.TokenAsync(_server));
        payload["exp"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        using var files = new FilesClient(FilesClient.FilesUrl(_server), Jwt.Sign(payload, TestServer.SigningKey));

        using var response = await files.GetAsync("some.bin");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_credentials_are_401_because_the_file_server_takes_only_tokens()
    {
        using var files = new FilesClient(FilesClient.FilesUrl(_server), null);

        using var response = await files.SendAsync(HttpMethod.Get, "some.bin",
            r => r.Headers.Authorization = ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_is_401()
    {
        using var api = _server.Client();
        var token = await api.LoginAsync();
        using var files = new FilesClient(FilesClient.FilesUrl(_server), token);
        (await files.UploadAsync(FilesClient.Unique("before-logout.bin"), [1])).EnsureSuccessStatusCode();

        (await api.CallAsync("auth.logout")).Ok();

        using var response = await files.UploadAsync(FilesClient.Unique("after-logout.bin"), [1]);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_clearml_token_basic_cookie_is_accepted_in_place_of_the_header()
    {
        var token = await FilesClient.TokenAsync(_server);
        using var uploader = new FilesClient(FilesClient.FilesUrl(_server), token);
        var path = FilesClient.Unique("cookie.bin");
        (await uploader.UploadAsync(path, [7, 8, 9])).EnsureSuccessStatusCode();
        using var files = new FilesClient(FilesClient.FilesUrl(_server), null);

        using var response = await files.GetAsync(path, r => r.Headers.Add("Cookie", $"clearml_token_basic={token}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([7, 8, 9], await response.Content.ReadAsByteArrayAsync());
    }
}

/// <summary><c>Cairn:FilesAuth=false</c> opens the file server to callers without a token.</summary>
public sealed class FileServerWithoutAuthTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(["--Cairn:FilesAuth=false"]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Uploads_and_downloads_need_no_token()
    {
        using var files = new FilesClient(FilesClient.FilesUrl(_server), null);

        using var upload = await files.UploadAsync("open/file.txt", "hello"u8.ToArray());
        using var download = await files.GetAsync("open/file.txt");

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("open/file.txt", JsonNode.Parse(await upload.Content.ReadAsStringAsync())![0]!.GetValue<string>());
        Assert.Equal("hello", await download.Content.ReadAsStringAsync());
    }
}
