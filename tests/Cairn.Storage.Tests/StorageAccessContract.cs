using Cairn.Configuration;
using Xunit;

namespace Cairn.Storage.Tests;

/// <summary>
/// The part of the contract that needs a store which refuses: a missing bucket and wrong credentials.
/// Run on every store whose emulator refuses them (s3rver, Azurite); the Cloud Storage emulator
/// creates buckets on first use and checks no credentials, so the gs:// tests keep to <see cref="StorageDriverContract"/>.
/// </summary>
public abstract partial class StorageAccessContract : StorageDriverContract
{
    /// <summary>A URL prefix in a bucket that does not exist.</summary>
    protected abstract string MissingBucket { get; }

    /// <summary>Settings whose credentials the store refuses.</summary>
    protected abstract ClearMLSettings WrongCredentials(string cache);

    [Fact]
    public async Task An_upload_to_a_missing_bucket_fails_naming_the_url()
    {
        var url = $"{MissingBucket}/x.bin";
        var e = await Assert.ThrowsAsync<StorageRequestException>(() => Storage.UploadFileAsync(RandomFile("m.bin", 10), url));
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_fail_naming_the_url_and_never_the_secret()
    {
        var (_, storage) = Open(WrongCredentials(Path.Combine(Folder, "wrong")));
        using (storage)
        {
            var url = $"{Bucket}/denied.bin";
            var e = await Assert.ThrowsAsync<StorageRequestException>(() => storage.UploadFileAsync(RandomFile("w.bin", 10), url));
            Assert.Contains(url, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongSecret, e.Message, StringComparison.Ordinal);
            Assert.False(await Storage.ExistsAsync(url));
        }
    }
}
