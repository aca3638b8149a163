using System.Net;
using System.Text;
using Cairn.Server.Tests.Files;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// Probes of the file server with traversal variants (encoded, double-encoded, overlong UTF-8,
/// backslashes, absolute paths): nothing outside its root is read or deleted.
/// </summary>
public sealed class FileServerTraversalTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string> Escapes => new()
    {
        "../secret.txt",
        "%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "%2e%2e%2fsecret.txt",
        "a/%2e%2e/%2e%2e/secret.txt",
        "a/b/../../../secret.txt",
        "%252e%252e%252fsecret.txt",
        "..%5csecret.txt",
        "%2e%2e%5csecret.txt",
        "%c0%ae%c0%ae/secret.txt",
        "%c0%ae%c0%ae%c0%afsecret.txt",
        ".%2e/secret.txt",
        "%2fsecret.txt",
        "%2f%2fsecret.txt",
        "..%00/secret.txt",
        "../jwt-signing.key",
        "../cairn.db",
        "%2e%2e/cairn.db",
        "a/%2e%2e/%2e%2e/cairn.db",
    };

    private string Sentinel()
    {
        var path = Path.Combine(_server.DataDir, "secret.txt");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "SENTINEL-OUTSIDE-THE-ROOT");
        }
        return path;
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task A_traversal_path_reads_and_deletes_nothing_outside_the_root(string encodedPath)
    {
        var sentinel = Sentinel();
        var signingKey = File.Exists(Path.Combine(_server.DataDir, "jwt-signing.key"));
        using var files = await FilesClient.ForAsync(_server);

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Delete })
        {
            using var response = await files.SendAsync(method, encodedPath);
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"{method} {encodedPath}: {status}");
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.DoesNotContain("SENTINEL", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite format", Encoding.Latin1.GetString(body), StringComparison.Ordinal);
        }
        // Over a plain socket too: HttpClient removes dot segments before sending.
        var token = await FilesClient.TokenAsync(_server);
        foreach (var method in new[] { "GET", "HEAD", "DELETE" })
        {
            var status = await FilesClient.RawStatusAsync(_server.FilesPort, method, "/" + encodedPath, token);
            Assert.True(status is >= 400 and < 500, $"raw {method} /{encodedPath}: {status}");
        }
        using (var many = await files.PostAsync("delete_many", new StringContent(
            $$"""{"files": ["{{Uri.UnescapeDataString(encodedPath).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\0", "", StringComparison.Ordinal)}}"]}""", Encoding.UTF8, "application/json")))
        {
            Assert.True((int)many.StatusCode < 500, $"delete_many {encodedPath}: {(int)many.StatusCode}");
        }

        Assert.Equal("SENTINEL-OUTSIDE-THE-ROOT", File.ReadAllText(sentinel));
        Assert.True(File.Exists(Path.Combine(_server.DataDir, "cairn.db")));
        Assert.Equal(signingKey, File.Exists(Path.Combine(_server.DataDir, "jwt-signing.key")));
    }

    [Fact]
    public async Task A_file_inside_the_root_is_still_served_so_the_probes_reach_the_file_server()
    {
        using var files = await FilesClient.ForAsync(_server);
        (await files.UploadAsync("inside/probe.txt", Encoding.UTF8.GetBytes("inside"))).EnsureSuccessStatusCode();
        using var response = await files.GetAsync("inside/probe.txt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("inside", await response.Content.ReadAsStringAsync());
    }
}
