using System.Net;
using System.Net.Http.Headers;
using Cairn.Server.Tests.Blobs;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>The file server with Cairn:Files:Provider=azure (Azurite), two servers sharing one container.</summary>
public sealed class FileServerOnAzureTests : IAsyncLifetime
{
    private readonly string _container = $"cairn-fs-{Guid.NewGuid():N}"[..40];
    private TestServer? _first;
    private TestServer? _second;

    private string[] Settings() =>
    [
        "--Cairn:Files:Provider=azure",
        $"--Cairn:Files:Azure:AccountName={AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_ACCOUNT")}",
        $"--Cairn:Files:Azure:AccountKey={AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_KEY")}",
        $"--Cairn:Files:Azure:Endpoint={AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_ENDPOINT")}",
        $"--Cairn:Files:Azure:Container={_container}",
        "--Cairn:Files:Azure:Prefix=files",
        "--Cairn:Files:Azure:BlockSizeBytes=1048576",
    ];

    public async Task InitializeAsync()
    {
        await AzureBlobStoreTests.Container(_container).CreateAsync();
        _first = await TestServer.StartAsync(Settings());
        _second = await TestServer.StartAsync(Settings());
    }

    public async Task DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
        await AzureBlobStoreTests.Container(_container).DeleteIfExistsAsync();
    }

    [Fact]
    public async Task A_block_sized_upload_to_one_server_is_served_by_the_other_whole_in_ranges_on_HEAD_and_conditionally_then_deleted()
    {
        using var first = await FilesClient.ForAsync(_first!);
        using var second = await FilesClient.ForAsync(_second!);
        var bytes = FilesClient.RandomBytes(3 * 1024 * 1024 + 777);

        using var upload = await first.UploadAsync("project/task.1/models/weights.bin", bytes);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(FilesClient.Sha256(bytes), upload.Headers.GetValues("X-Cairn-Sha256").Single());
        Assert.True(await AzureBlobStoreTests.Container(_container).GetBlobClient("files/project/task.1/models/weights.bin").ExistsAsync());

        using var whole = await second.GetAsync("project/task.1/models/weights.bin");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());

        using var range = await second.GetAsync("project/task.1/models/weights.bin", r => r.Headers.Range = new RangeHeaderValue(1_048_000, 2_098_000));
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(bytes[1_048_000..2_098_001], await range.Content.ReadAsByteArrayAsync());

        using var head = await first.SendAsync(HttpMethod.Head, "project/task.1/models/weights.bin");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);
        Assert.Equal($"\"{FilesClient.Sha256(bytes)}\"", head.Headers.ETag!.Tag);

        using var unchanged = await first.GetAsync("project/task.1/models/weights.bin", r => r.Headers.IfNoneMatch.Add(head.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);

        using var deleted = await second.SendAsync(HttpMethod.Delete, "project/task.1/models/weights.bin");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var gone = await first.GetAsync("project/task.1/models/weights.bin");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Delete_many_removes_a_folder_of_blobs_and_reports_what_was_not_there()
    {
        using var files = await FilesClient.ForAsync(_first!);
        (await files.UploadAsync("dm/a.bin", FilesClient.RandomBytes(10))).Dispose();
        (await files.UploadAsync("dm/sub/b.bin", FilesClient.RandomBytes(10))).Dispose();

        using var response = await files.PostAsync("delete_many", new StringContent("""{"files": ["dm", "nothing/here.bin"]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("dm", body["deleted"]!["dm"]!.GetValue<string>());
        Assert.Equal("nothing/here.bin", body["errors"]!["not found"]![0]!.GetValue<string>());
        using var second = await FilesClient.ForAsync(_second!);
        using var gone = await second.GetAsync("dm/sub/b.bin");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
