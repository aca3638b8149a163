using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.S3;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>The file server with Cairn:Files:Provider=s3 (s3rver), two servers sharing one bucket.</summary>
public sealed class FileServerOnS3Tests : IAsyncLifetime
{
    private readonly string _bucket = $"cairn-fs-{Guid.NewGuid():N}"[..40];
    private TestServer? _first;
    private TestServer? _second;

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts s3rver.");

    private string[] Settings() =>
    [
        "--Cairn:Files:Provider=s3",
        $"--Cairn:Files:S3:Bucket={_bucket}",
        "--Cairn:Files:S3:Prefix=files",
        $"--Cairn:Files:S3:Endpoint={Variable("CAIRN_TEST_S3_ENDPOINT")}",
        $"--Cairn:Files:S3:AccessKey={Variable("CAIRN_TEST_S3_ACCESS_KEY")}",
        $"--Cairn:Files:S3:SecretKey={Variable("CAIRN_TEST_S3_SECRET_KEY")}",
        "--Cairn:Files:S3:ForcePathStyle=true",
        "--Cairn:Files:S3:PartSizeBytes=5242880",
    ];

    public async Task InitializeAsync()
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(Variable("CAIRN_TEST_S3_ACCESS_KEY"), Variable("CAIRN_TEST_S3_SECRET_KEY")),
            new AmazonS3Config { ServiceURL = Variable("CAIRN_TEST_S3_ENDPOINT"), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await s3.PutBucketAsync(_bucket);
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
    }

    [Fact]
    public async Task A_multipart_sized_upload_to_one_server_is_served_by_the_other_whole_in_ranges_on_HEAD_and_conditionally_then_deleted()
    {
        using var first = await FilesClient.ForAsync(_first!);
        using var second = await FilesClient.ForAsync(_second!);
        var bytes = FilesClient.RandomBytes(11 * 1024 * 1024 + 777);

        using var upload = await first.UploadAsync("project/task.1/models/weights.bin", bytes);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(FilesClient.Sha256(bytes), upload.Headers.GetValues("X-Cairn-Sha256").Single());

        using var whole = await second.GetAsync("project/task.1/models/weights.bin");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());

        using var range = await second.GetAsync("project/task.1/models/weights.bin", r => r.Headers.Range = new RangeHeaderValue(5_000_000, 5_000_099));
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(bytes[5_000_000..5_000_100], await range.Content.ReadAsByteArrayAsync());

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
    public async Task Delete_many_removes_a_folder_of_objects_and_reports_what_was_not_there()
    {
        using var files = await FilesClient.ForAsync(_first!);
        (await files.UploadAsync("dm/a.bin", FilesClient.RandomBytes(10))).Dispose();
        (await files.UploadAsync("dm/sub/b.bin", FilesClient.RandomBytes(10))).Dispose();

        using var response = await files.PostAsync("delete_many", new StringContent("""{"files": ["dm", "nothing/here.bin"]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("dm", body["deleted"]!["dm"]!.GetValue<string>());
        Assert.Equal("nothing/here.bin", body["errors"]!["not found"]![0]!.GetValue<string>());
        using var gone = await files.GetAsync("dm/sub/b.bin");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
