using System.Net;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>Single-port mode: the file server answers under <c>/files</c> on the web port.</summary>
public sealed class FileServerSinglePortTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(["--Cairn:SinglePort=true"]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Upload_download_and_delete_work_under_the_files_prefix()
    {
        using var api = new ApiClient(new Uri($"http://127.0.0.1:{_server.WebPort}/api/"), ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));
        var token = await api.LoginAsync();
        using var files = new FilesClient(new Uri($"http://127.0.0.1:{_server.WebPort}/files/"), token);
        var path = "single port/task name.id/models/model.bin";
        var bytes = FilesClient.RandomBytes(2_000);

        using var upload = await files.UploadAsync(path, bytes);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_server.DataDir, "files", path)));

        using var download = await files.GetAsync(FilesClient.Encode(path));
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(FilesClient.Sha256(bytes), download.Headers.GetValues("X-Cairn-Sha256").Single());

        using var root = await files.GetAsync("");
        Assert.Equal("OK", await root.Content.ReadAsStringAsync());

        using var delete = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.False(File.Exists(Path.Combine(_server.DataDir, "files", path)));
    }
}
