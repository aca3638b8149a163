using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Configuration;
using Xunit;

namespace Cairn.Storage.Tests;

/// <summary>
/// The driver contract on the Cloud Storage emulator (firebase-tools), through GCS's JSON API. The
/// client authenticates as a service account from a <c>credentials_json</c> key file made here (a
/// fresh RSA key; the client signs its own tokens, which the emulator accepts unchecked), and
/// <c>sdk.google.storage.endpoint</c> points it at the emulator.
/// </summary>
public sealed class GcsDriverTests : StorageDriverContract
{
    private readonly string _endpoint = Required("CAIRN_TEST_GCS_ENDPOINT");

    private readonly string _bucket = "cairn-" + Guid.NewGuid().ToString("N")[..12];

    protected override string Bucket => $"gs://{_bucket}";

    /// <summary>
    /// A chunk of 16 MiB: the emulator ends a resumable session at its first chunk (it does not
    /// answer 308 for a partial one), so the contract's large file goes up as one chunk here.
    /// </summary>
    protected override ClearMLSettings Settings(string cache) => Make(cache, 16 << 20);

    protected override string Root => "sdk.google.storage";

    protected override Uri Endpoint => new(_endpoint);

    protected override (ClearMLSettings Settings, string Bucket) Through(string authority, string cache) => (Make(cache, 16 << 20, $"http://{authority}"), Bucket);

    [Fact]
    public async Task An_upload_the_store_ends_early_fails_and_leaves_no_object_under_the_name()
    {
        var (_, storage) = Open(Make(Path.Combine(Folder, "chunked"), 1 << 20));
        using (storage)
        {
            var url = $"{Bucket}/early/three-chunks.bin";
            var e = await Assert.ThrowsAsync<StorageRequestException>(() => storage.UploadFileAsync(RandomFile("three.bin", (3 << 20) + 7), url));
            Assert.Contains(url, e.Message, StringComparison.Ordinal);
            Assert.Contains("partial object was deleted", e.Message, StringComparison.Ordinal);
            Assert.False(await Storage.ExistsAsync(url));
        }
    }

    private ClearMLSettings Make(string cache, int chunk, string? endpoint = null)
    {
        Directory.CreateDirectory(cache);
        return new()
        {
            ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused",
            CacheDirectory = cache,
            RetryDeadline = TimeSpan.FromSeconds(5),
            StorageBlocks = new Dictionary<string, string>
            {
                ["sdk.google.storage.project"] = "demo-cairn",
                ["sdk.google.storage.endpoint"] = endpoint ?? _endpoint,
                ["sdk.google.storage.credentials.0.bucket"] = _bucket,
                ["sdk.google.storage.credentials.0.credentials_json"] = ServiceAccountKey(Path.Combine(cache, "service-account.json")),
                ["sdk.google.storage.multipart_chunksize"] = chunk.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>Writes a service-account key file as Google's console gives one, with a key made now.</summary>
    internal static string ServiceAccountKey(string path)
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "demo-cairn",
            ["private_key_id"] = Guid.NewGuid().ToString("N"),
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "cairn-tests@demo-cairn.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["auth_uri"] = "http://127.0.0.1:1/auth",
            ["token_uri"] = "http://127.0.0.1:1/token",
        }));
        return path;
    }
}
