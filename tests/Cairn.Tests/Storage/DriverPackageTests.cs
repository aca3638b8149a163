using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;
using Xunit;

namespace Cairn.Tests.Storage;

/// <summary>This project references no driver package, so each object-store scheme names the package to add.</summary>
public sealed class DriverPackageTests
{
    [Theory]
    [InlineData("s3://bucket/models", "Cairn.Storage.S3")]
    [InlineData("azure://account.blob.core.windows.net/container/models", "Cairn.Storage.Azure")]
    [InlineData("gs://bucket/models", "Cairn.Storage.Gcs")]
    public void A_scheme_whose_driver_package_is_not_referenced_names_the_package(string url, string package)
    {
        using var storage = new StorageManager(new ClearMLSession(new ClearMLSettings
        {
            ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused", CacheDirectory = Path.GetTempPath(),
        }));
        var e = Assert.Throws<ArgumentException>(() => storage.CheckDestination(url));
        Assert.Contains(package, e.Message, StringComparison.Ordinal);
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
    }
}
