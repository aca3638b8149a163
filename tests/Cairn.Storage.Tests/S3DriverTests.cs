using Amazon.Runtime;
using Amazon.S3;
using Cairn.Configuration;

namespace Cairn.Storage.Tests;

/// <summary>The driver contract on s3rver, addressed as ClearML writes an S3-compatible endpoint: <c>s3://host:port/bucket/key</c>.</summary>
public sealed class S3DriverTests : StorageAccessContract
{
    private readonly string _host = new Uri(Required("CAIRN_TEST_S3_ENDPOINT")).Authority;

    private readonly string _bucket = "cairn-" + Guid.NewGuid().ToString("N")[..12];

    public S3DriverTests()
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(Required("CAIRN_TEST_S3_ACCESS_KEY"), Required("CAIRN_TEST_S3_SECRET_KEY")),
            new AmazonS3Config { ServiceURL = Required("CAIRN_TEST_S3_ENDPOINT"), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        client.PutBucketAsync(_bucket).GetAwaiter().GetResult();
    }

    protected override string Bucket => $"s3://{_host}/{_bucket}";

    protected override string MissingBucket => $"s3://{_host}/missing-{_bucket}";

    protected override string Root => "sdk.aws.s3";

    protected override Uri Endpoint => new(Required("CAIRN_TEST_S3_ENDPOINT"));

    protected override ClearMLSettings Settings(string cache) => Make(cache, Required("CAIRN_TEST_S3_ACCESS_KEY"), Required("CAIRN_TEST_S3_SECRET_KEY"), _host);

    protected override (ClearMLSettings Settings, string Bucket) Through(string authority, string cache) =>
        (Make(cache, Required("CAIRN_TEST_S3_ACCESS_KEY"), Required("CAIRN_TEST_S3_SECRET_KEY"), authority), $"s3://{authority}/{_bucket}");

    protected override ClearMLSettings WrongCredentials(string cache) => Make(cache, "WRONGKEY", WrongSecret, _host);

    private static ClearMLSettings Make(string cache, string key, string secret, string host) => new()
    {
        ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused",
        CacheDirectory = cache,
        RetryDeadline = TimeSpan.FromSeconds(5),
        StorageBlocks = new Dictionary<string, string>
        {
            ["sdk.aws.s3.credentials.0.host"] = host,
            ["sdk.aws.s3.credentials.0.key"] = key,
            ["sdk.aws.s3.credentials.0.secret"] = secret,
            ["sdk.aws.s3.credentials.0.secure"] = "false",
            ["sdk.aws.s3.multipart_threshold"] = (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["sdk.aws.s3.multipart_chunksize"] = (5 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };
}
