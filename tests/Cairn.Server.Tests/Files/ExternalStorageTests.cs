using Cairn.Server.Files;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>
/// Which queued URLs <see cref="ExternalStorage"/> takes and which credentials serve them, as the
/// Python SDK matches clearml.conf's blocks (no request is made: deletions run in ObjectStoreDeletionTests).
/// </summary>
public sealed class ExternalStorageTests : IDisposable
{
    private readonly ExternalStorage _storage = new(Options.Create(new CairnOptions
    {
        StorageCredentials = new StorageCredentials
        {
            S3 = new S3StorageCredentials
            {
                Credentials =
                [
                    new S3BucketCredentials { Bucket = "models", Key = "AKIAEXAMPLE", Secret = "secret-0123456789" },
                    new S3BucketCredentials { Bucket = "weights", Host = "minio:9000", Key = "minio", Secret = "minio-secret", Secure = false },
                ],
            },
            Azure = new AzureStorageCredentials
            {
                Containers =
                [
                    new AzureContainerCredentials { AccountName = "mystorage", AccountKey = Convert.ToBase64String(new byte[64]), ContainerName = "models" },
                    new AzureContainerCredentials { AccountName = "anycontainer", AccountKey = Convert.ToBase64String(new byte[64]) },
                ],
            },
        },
    }));

    public void Dispose() => _storage.Dispose();

    [Theory]
    [InlineData("s3://bucket/model.pt", true)]
    [InlineData("S3://bucket/a/b/model.pt", true)]
    [InlineData("gs://bucket/model.pt", true)]
    [InlineData("azure://acct.blob.core.windows.net/container/model.pt", true)]
    [InlineData("azure://acct.blob.core.windows.net/model.pt", false)]
    [InlineData("s3://bucket/", false)]
    [InlineData("s3://bucket", false)]
    [InlineData("s3:///model.pt", false)]
    [InlineData("file:///tmp/model.pt", false)]
    [InlineData("http://files.example.com/model.pt", false)]
    [InlineData(null, false)]
    public void Only_object_urls_of_s3_azure_and_gs_are_external(string? url, bool external) =>
        Assert.Equal(external, ExternalStorage.IsExternal(url));

    [Theory]
    [InlineData("s3://models/project/task.1/models/model.pt", true)]
    [InlineData("s3://other-bucket/model.pt", false)]
    [InlineData("s3://minio:9000/weights/model.pt", true)]
    [InlineData("s3://minio:9000/models/model.pt", false)]
    [InlineData("s3://other-host:9000/weights/model.pt", false)]
    [InlineData("azure://mystorage.blob.core.windows.net/models/model.pt", true)]
    [InlineData("azure://mystorage.blob.core.windows.net/other/model.pt", false)]
    [InlineData("azure://anycontainer.blob.core.windows.net/whatever/model.pt", true)]
    [InlineData("gs://models/model.pt", false)]
    public void Credentials_are_matched_by_bucket_host_and_bucket_or_account_and_container(string url, bool served) =>
        Assert.Equal(served, _storage.HasCredentials(url));

    [Fact]
    public async Task A_url_without_credentials_names_the_option_to_set_and_no_secret()
    {
        var error = await Assert.ThrowsAsync<MissingStorageCredentialsException>(() => _storage.DeleteAsync("s3://minio:9000/models/model.pt"));

        Assert.Equal("no Cairn:StorageCredentials:S3:Credentials entry has Host 'minio:9000' and Bucket 'models'", error.Message);
        Assert.DoesNotContain("minio-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_aws_key_serves_any_bucket_on_aws_but_not_an_unconfigured_host()
    {
        using var storage = new ExternalStorage(Options.Create(new CairnOptions
        {
            StorageCredentials = new StorageCredentials { S3 = new S3StorageCredentials { Key = "AKIAEXAMPLE", Secret = "secret-0123456789" } },
        }));

        Assert.True(storage.HasCredentials("s3://any-bucket/model.pt"));
        Assert.False(storage.HasCredentials("s3://minio:9000/any-bucket/model.pt"));
    }
}
