using System.Net;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Operations;

/// <summary><c>/health/live</c> and <c>/health/ready</c> on the API port.</summary>
public sealed class HealthCheckTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData("health/live")]
    [InlineData("health/ready")]
    public async Task Health_answers_healthy_in_plain_text_without_credentials(string path)
    {
        using var http = new HttpClient { BaseAddress = _server.ApiUrl };
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // The status word only: not ClearML's envelope, nothing about the stores.
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache ?? response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Health_is_on_the_api_port_only()
    {
        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.WebPort}/") };
        using var files = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.FilesPort}/") };
        using var webResponse = await web.GetAsync("health/live");
        Assert.NotEqual("Healthy", await webResponse.Content.ReadAsStringAsync());
        using var fileResponse = await files.GetAsync("health/live");
        Assert.NotEqual("Healthy", await fileResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_is_unhealthy_and_says_no_more_when_the_blob_store_cannot_be_reached()
    {
        // An S3 endpoint with nothing listening: a real connection refusal on every request.
        var endpoint = $"http://127.0.0.1:{TestServer.FreePort()}";
        await using var server = await TestServer.StartAsync(
        [
            "--Cairn:Files:Provider=s3",
            "--Cairn:Files:S3:Bucket=cairn-missing-bucket",
            $"--Cairn:Files:S3:Endpoint={endpoint}",
            "--Cairn:Files:S3:AccessKey=probe",
            "--Cairn:Files:S3:SecretKey=probe-secret",
            "--Cairn:Files:S3:ForcePathStyle=true",
        ]);
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        using var ready = await http.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal("Unhealthy", body);

        // Liveness does not depend on the stores: the process is up, restarting it would not help.
        using var live = await http.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Ready_is_unhealthy_when_the_metadata_store_cannot_be_read()
    {
        await using var server = await TestServer.StartAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The database file replaced by a directory: every new connection fails to open it.
        var database = Directory.GetFiles(server.DataDir, "*.db").Single();
        foreach (var file in Directory.GetFiles(server.DataDir, Path.GetFileName(database) + "*"))
        {
            File.Delete(file);
        }
        Directory.CreateDirectory(database);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        using var ready = await http.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }
}
