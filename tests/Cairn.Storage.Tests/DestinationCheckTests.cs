using Cairn.Configuration;
using Cairn.Session;
using Xunit;

namespace Cairn.Storage.Tests;

/// <summary>A destination that cannot work fails when it is checked, naming the URL and the key to set, never a secret.</summary>
public sealed class DestinationCheckTests
{
    private static StorageManager Storage(Dictionary<string, string> blocks) =>
        new(new ClearMLSession(new ClearMLSettings { ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused", CacheDirectory = Path.GetTempPath(), StorageBlocks = blocks }));

    [Fact]
    public void An_s3_url_without_a_bucket_fails_naming_the_url()
    {
        using var storage = Storage([]);
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("s3://"));
        Assert.Contains("s3://", e.Message, StringComparison.Ordinal);
        Assert.Contains("names no bucket", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_s3_url_on_an_endpoint_without_credentials_names_the_configuration_key()
    {
        using var storage = Storage(new() { ["sdk.aws.s3.credentials.0.host"] = "minio:9000" });
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("s3://minio:9000/models/x"));
        Assert.Contains("s3://minio:9000/models/x", e.Message, StringComparison.Ordinal);
        Assert.Contains("sdk.aws.s3.credentials.0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_s3_url_with_a_key_passes_and_the_message_of_a_failure_never_holds_the_secret()
    {
        using var storage = Storage(new()
        {
            ["sdk.aws.s3.credentials.0.host"] = "minio:9000",
            ["sdk.aws.s3.credentials.0.bucket"] = "models",
            ["sdk.aws.s3.credentials.0.key"] = "AKEY",
            ["sdk.aws.s3.credentials.0.secret"] = "s3cr3t-value",
        });
        storage.CheckDestination("s3://minio:9000/models/x");
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("s3://minio:9000/"));
        Assert.DoesNotContain("s3cr3t-value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gs_url_without_a_bucket_fails_naming_the_url()
    {
        using var storage = Storage([]);
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("gs://"));
        Assert.Contains("gs://", e.Message, StringComparison.Ordinal);
        Assert.Contains("names no bucket", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gs_url_without_credentials_names_the_configuration_keys()
    {
        using var storage = Storage([]);
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("gs://models-bucket/runs"));
        Assert.Contains("gs://models-bucket/runs", e.Message, StringComparison.Ordinal);
        Assert.Contains("sdk.google.storage.credentials_json", e.Message, StringComparison.Ordinal);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gs_credentials_item_is_matched_by_bucket_and_subdir_and_a_missing_key_file_is_named()
    {
        var key = GcsDriverTests.ServiceAccountKey(Path.Combine(Path.GetTempPath(), $"cairn-sa-{Guid.NewGuid():N}.json"));
        try
        {
            using var storage = Storage(new()
            {
                ["sdk.google.storage.credentials.0.bucket"] = "models-bucket",
                ["sdk.google.storage.credentials.0.subdir"] = "team-a",
                ["sdk.google.storage.credentials.0.credentials_json"] = key,
                ["sdk.google.storage.credentials.1.bucket"] = "models-bucket",
                ["sdk.google.storage.credentials.1.credentials_json"] = "/nonexistent/other-team.json",
            });
            storage.CheckDestination("gs://models-bucket/team-a/models");
            var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination("gs://models-bucket/team-b/models"));
            Assert.Contains("gs://models-bucket/team-b/models", e.Message, StringComparison.Ordinal);
            Assert.Contains("sdk.google.storage.credentials.1", e.Message, StringComparison.Ordinal);
            Assert.Contains("/nonexistent/other-team.json", e.Message, StringComparison.Ordinal);
            var other = Assert.Throws<ArgumentException>(() => storage.CheckDestination("gs://another-bucket/x"));
            Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", other.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(key);
        }
    }
}
