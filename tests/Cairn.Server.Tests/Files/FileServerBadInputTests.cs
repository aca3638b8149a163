using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>Refused file-server requests: each gets its status and a clear message, and writes nothing.</summary>
public sealed class FileServerBadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string> TraversalNames => new()
    {
        "/../escaped.bin",
        "../escaped.bin",
        "/a/../../escaped.bin",
        "/a/..",
        "//tmp/escaped.bin",
        "/C:/escaped.bin",
        "/a\\..\\..\\escaped.bin",
        "/a//b.bin",
        "/a/./b.bin",
        "/a/",
        "/",
        "/.cairn-uploads/x.part",
    };

    [Theory]
    [MemberData(nameof(TraversalNames))]
    public async Task An_upload_to_a_bad_path_is_400_and_writes_nothing(string name)
    {
        using var files = await FilesClient.ForAsync(_server);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes("escape"));
        using var form = new MultipartFormDataContent();
        form.Add(part, "file", "x.bin");
        // MultipartFormDataContent would quote and escape the name; the header is written as a client could.
        part.Headers.ContentDisposition = ContentDispositionHeaderValue.Parse($"form-data; name=\"{name.Replace("\\", "\\\\", StringComparison.Ordinal)}\"; filename=\"x.bin\"");

        using var response = await files.PostAsync("", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Bad file path", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "escaped.bin")));
    }

    [Fact]
    public async Task An_upload_whose_part_name_holds_a_NUL_is_400_and_writes_nothing()
    {
        var token = await FilesClient.TokenAsync(_server);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));
        var body = "--b\r\nContent-Disposition: form-data; name=\"/a\0b.bin\"; filename=\"x.bin\"\r\n\r\nnul\r\n--b--\r\n";

        var status = await FilesClient.RawStatusAsync(_server.FilesPort, "POST", "/", token, body, "multipart/form-data; boundary=b");

        Assert.Equal(400, status);
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Theory]
    [InlineData("GET", "/../cairn.db")]
    [InlineData("GET", "/%2e%2e/cairn.db")]
    [InlineData("GET", "/..%2fcairn.db")]
    [InlineData("GET", "/a/%2E%2E/%2E%2E/cairn.db")]
    [InlineData("GET", "/%2Fetc%2Fpasswd")]
    [InlineData("GET", "/a%00b")]
    [InlineData("GET", "/..%5Ccairn.db")]
    [InlineData("HEAD", "/%2e%2e/cairn.db")]
    [InlineData("DELETE", "/%2e%2e/cairn.db")]
    [InlineData("DELETE", "/..%2fcairn.db")]
    public async Task A_download_or_delete_that_climbs_out_of_the_root_is_refused(string method, string target)
    {
        var token = await FilesClient.TokenAsync(_server);

        var status = await FilesClient.RawStatusAsync(_server.FilesPort, method, target, token);

        Assert.True(status is 400 or 404, $"{method} {target} answered {status}");
        Assert.True(File.Exists(Path.Combine(_server.DataDir, "cairn.db")));
    }

    [Fact]
    public async Task A_multipart_body_without_a_file_part_is_400()
    {
        using var files = await FilesClient.ForAsync(_server);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));
        using var form = new MultipartFormDataContent { { new StringContent("not a file"), "/field.txt" } };

        using var response = await files.PostAsync("", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no file part", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Fact]
    public async Task An_upload_that_is_not_multipart_is_400()
    {
        using var files = await FilesClient.ForAsync(_server);

        using var response = await files.PostAsync("", new ByteArrayContent(FilesClient.RandomBytes(100)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("multipart/form-data", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_multipart_body_is_400_and_stores_nothing()
    {
        using var files = await FilesClient.ForAsync(_server);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));
        var body = "--b\r\nContent-Disposition: form-data; name=\"/truncated.bin\"; filename=\"/truncated.bin\"\r\n\r\nsome bytes but no closing boundary";
        var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using var response = await files.PostAsync("", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Theory]
    [InlineData("--b\r\nnot a header line\r\n\r\nbytes\r\n--b--\r\n")]
    [InlineData("--b trailing words\r\nContent-Disposition: form-data; name=\"/x.bin\"; filename=\"/x.bin\"\r\n\r\nbytes\r\n--b--\r\n")]
    [InlineData("no boundary anywhere in this body")]
    public async Task A_malformed_multipart_body_is_400_with_the_reason_and_stores_nothing(string body)
    {
        using var files = await FilesClient.ForAsync(_server);
        var before = FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files"));
        var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using var response = await files.PostAsync("", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("The multipart body could not be read: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Fact]
    public async Task A_second_bad_part_stores_neither_part()
    {
        using var files = await FilesClient.ForAsync(_server);
        var good = FilesClient.Unique("good.bin");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("good"), "/" + good, "good.bin" },
            { new StringContent("bad"), "/../bad.bin", "bad.bin" },
        };

        using var response = await files.PostAsync("", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(File.Exists(Path.Combine(_server.DataDir, "files", good)));
        Assert.Empty(FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files", ".cairn-uploads")));
    }

    [Fact]
    public async Task A_file_where_a_folder_must_be_is_409()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("plain.bin");
        (await files.UploadAsync(path, FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();

        using var response = await files.UploadAsync(path + "/below.bin", FilesClient.RandomBytes(10));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("is a file", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        using var files = await FilesClient.ForAsync(_server);

        using var put = await files.SendAsync(HttpMethod.Put, "some/file.bin");
        using var post = await files.PostAsync("some/file.bin", FilesClient.SdkUpload("x.bin", [1]));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
