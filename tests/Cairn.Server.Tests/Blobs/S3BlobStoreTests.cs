using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Cairn.Blobs.S3;
using Cairn.Core.Blobs;
using Xunit;

namespace Cairn.Server.Tests.Blobs;

/// <summary>
/// The blob-store contract on the S3 provider against s3rver (scripts/services: CAIRN_TEST_S3_*),
/// each test in its own new bucket; plus what only an object store can get wrong.
/// </summary>
public sealed class S3BlobStoreTests : BlobStoreContract, IAsyncLifetime
{
    private readonly S3BlobStoreOptions _options = Options($"cairn-test-{Guid.NewGuid():N}"[..40]);
    private S3BlobStore? _store;

    protected override IBlobStore Store => _store!;

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts s3rver.");

    private static S3BlobStoreOptions Options(string bucket) => new()
    {
        Bucket = bucket,
        Prefix = "cairn/files",
        Endpoint = Variable("CAIRN_TEST_S3_ENDPOINT"),
        AccessKey = Variable("CAIRN_TEST_S3_ACCESS_KEY"),
        SecretKey = Variable("CAIRN_TEST_S3_SECRET_KEY"),
        ForcePathStyle = true,
        PartSizeBytes = 5 * 1024 * 1024,
        MaxConcurrentParts = 2,
    };

    public async Task InitializeAsync()
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(_options.AccessKey, _options.SecretKey),
            new AmazonS3Config { ServiceURL = _options.Endpoint, ForcePathStyle = true, AuthenticationRegion = _options.Region });
        await s3.PutBucketAsync(_options.Bucket);
        _store = new S3BlobStore(_options);
    }

    public Task DisposeAsync()
    {
        _store?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_file_larger_than_a_part_goes_up_as_a_multipart_upload_and_reads_back_whole_and_in_ranges()
    {
        var bytes = new byte[(12 * 1024 * 1024) + 12345];
        Random.Shared.NextBytes(bytes);

        var put = await Store.PutAsync("big/weights.bin", new MemoryStream(bytes));

        Assert.Equal(bytes.Length, put.Blob.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), put.Sha256);
        await using var range = await Store.OpenReadOrNullAsync("big/weights.bin", offset: 5 * 1024 * 1024 - 10, length: 20);
        using var copy = new MemoryStream();
        await range!.CopyToAsync(copy);
        Assert.Equal(bytes[(5 * 1024 * 1024 - 10)..(5 * 1024 * 1024 + 10)], copy.ToArray());
    }

    [Fact]
    public async Task A_multipart_upload_discarded_before_commit_leaves_no_object_under_the_key()
    {
        await using (var upload = await Store.StartUploadAsync("killed.bin"))
        {
            // Two parts sent, as when the client goes away mid-upload.
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[11 * 1024 * 1024]));
        }

        Assert.Null(await Store.GetInfoOrNullAsync("killed.bin"));
    }

    [Fact]
    public async Task A_missing_bucket_fails_the_upload_with_a_message_naming_the_bucket_and_no_secret()
    {
        using var missing = new S3BlobStore(Options($"cairn-missing-{Guid.NewGuid():N}"[..40]));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => missing.PutAsync("a.bin", new MemoryStream([1, 2, 3])));

        Assert.Equal(BlobStoreError.MissingContainer, error.Error);
        Assert.Contains(missing.Location, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_options.SecretKey!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_fail_the_upload_as_bad_credentials_without_the_secret_in_the_message()
    {
        var options = Options(_options.Bucket!);
        options.AccessKey = "NOT-A-KEY";
        options.SecretKey = "not-the-secret-0123456789";
        using var wrong = new S3BlobStore(options);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => wrong.PutAsync("a.bin", new MemoryStream([1, 2, 3])));

        Assert.Equal(BlobStoreError.BadCredentials, error.Error);
        Assert.DoesNotContain(options.SecretKey, error.Message, StringComparison.Ordinal);
        Assert.Null(await Store.GetInfoOrNullAsync("a.bin"));
    }
}
