using Azure.Storage;
using Azure.Storage.Blobs;
using Cairn.Configuration;

namespace Cairn.Storage.Tests;

/// <summary>
/// The driver contract on Azurite. URLs are ClearML's <c>azure://&lt;account&gt;.blob.core.windows.net/…</c>;
/// the container item's <c>endpoint</c> (a Cairn key) points the account at the emulator.
/// </summary>
public sealed class AzureDriverTests : StorageAccessContract
{
    private readonly string _endpoint = Required("CAIRN_TEST_AZURE_ENDPOINT");

    private readonly string _account = Required("CAIRN_TEST_AZURE_ACCOUNT");

    private readonly string _container = "cairn-" + Guid.NewGuid().ToString("N")[..12];

    public AzureDriverTests()
    {
        var client = new BlobContainerClient(new Uri($"{_endpoint}/{_container}"), new StorageSharedKeyCredential(_account, Required("CAIRN_TEST_AZURE_KEY")));
        client.Create();
    }

    protected override string Bucket => $"azure://{_account}.blob.core.windows.net/{_container}";

    protected override string MissingBucket => $"azure://{_account}.blob.core.windows.net/missing-{_container}";

    protected override string Root => "sdk.azure.storage";

    protected override Uri Endpoint => new(_endpoint);

    protected override ClearMLSettings Settings(string cache) => Make(cache, Required("CAIRN_TEST_AZURE_KEY"), _endpoint);

    protected override (ClearMLSettings Settings, string Bucket) Through(string authority, string cache) =>
        (Make(cache, Required("CAIRN_TEST_AZURE_KEY"), $"http://{authority}{new Uri(_endpoint).AbsolutePath}"), Bucket);

    protected override ClearMLSettings WrongCredentials(string cache) =>
        Make(cache, Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(WrongSecret)), _endpoint);

    private ClearMLSettings Make(string cache, string key, string endpoint) => new()
    {
        ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused",
        CacheDirectory = cache,
        RetryDeadline = TimeSpan.FromSeconds(5),
        StorageBlocks = new Dictionary<string, string>
        {
            ["sdk.azure.storage.containers.0.account_name"] = _account,
            ["sdk.azure.storage.containers.0.account_key"] = key,
            ["sdk.azure.storage.containers.0.endpoint"] = endpoint,
            ["sdk.azure.storage.multipart_threshold"] = (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["sdk.azure.storage.multipart_chunksize"] = (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };
}
