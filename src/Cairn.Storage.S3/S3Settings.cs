using Cairn.Configuration;

namespace Cairn.Storage.S3;

/// <summary>One bucket's (or one endpoint's) settings: an item of <c>sdk.aws.s3.credentials</c>, or the defaults.</summary>
/// <param name="Bucket">The bucket the item is for; null for every bucket (on <paramref name="Host"/>).</param>
/// <param name="Host">An S3-compatible endpoint (<c>my-minio:9000</c>); null for AWS.</param>
/// <param name="Key">The access key id.</param>
/// <param name="Secret">The secret access key.</param>
/// <param name="Token">A session token.</param>
/// <param name="Region">The region (signing region for an endpoint).</param>
/// <param name="Secure">https (true, the default) or http for <paramref name="Host"/>.</param>
/// <param name="Multipart">Whether large files go up in parts (default true).</param>
/// <param name="UseCredentialsChain">Use the AWS default chain (environment, profile, instance role) instead of a key.</param>
/// <param name="ConfigPath">The configuration key the item was read from, for error messages.</param>
internal sealed record S3BucketSettings(string? Bucket, string? Host, string? Key, string? Secret, string? Token, string? Region,
    bool Secure, bool Multipart, bool UseCredentialsChain, string ConfigPath)
{
    public bool HasKey => !string.IsNullOrEmpty(Key) && !string.IsNullOrEmpty(Secret);
}

/// <summary>
/// <c>sdk.aws.s3</c> from <c>clearml.conf</c>, as ClearML's SDK reads it, with the standard AWS
/// environment variables (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>,
/// <c>AWS_DEFAULT_REGION</c>/<c>AWS_REGION</c>) as the fallback for the top-level key.
/// </summary>
internal sealed class S3Settings
{
    private const string Root = "sdk.aws.s3";

    public S3Settings(ClearMLSettings settings, Func<string, string?> environment)
    {
        var blocks = settings.StorageBlocks;
        string? Get(string path) => blocks.TryGetValue(path, out var value) && value.Length > 0 ? value : null;
        bool Flag(string path, bool fallback) => Get(path) is { } text ? text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1" : fallback;

        Default = new S3BucketSettings(null, null,
            Get($"{Root}.key") ?? environment("AWS_ACCESS_KEY_ID"),
            Get($"{Root}.secret") ?? environment("AWS_SECRET_ACCESS_KEY"),
            Get($"{Root}.token") ?? environment("AWS_SESSION_TOKEN"),
            Get($"{Root}.region") ?? environment("AWS_DEFAULT_REGION") ?? environment("AWS_REGION"),
            Secure: true, Multipart: true,
            UseCredentialsChain: Flag($"{Root}.use_credentials_chain", false) || environment("AWS_PROFILE") is not null,
            ConfigPath: Root);
        var items = new List<S3BucketSettings>();
        for (var i = 0; blocks.Keys.Any(k => k.StartsWith($"{Root}.credentials.{i}.", StringComparison.Ordinal)); i++)
        {
            var p = $"{Root}.credentials.{i}";
            var host = Get($"{p}.host");
            items.Add(new S3BucketSettings(Get($"{p}.bucket"), host,
                Get($"{p}.key") ?? (host is null ? Default.Key : null),
                Get($"{p}.secret") ?? (host is null ? Default.Secret : null),
                Get($"{p}.token") ?? (host is null ? Default.Token : null),
                Get($"{p}.region") ?? Default.Region,
                Flag($"{p}.secure", true), Flag($"{p}.multipart", true), Default.UseCredentialsChain && host is null, p));
        }
        Buckets = items;
        MultipartThreshold = Size("multipart_threshold", 64L << 20);
        PartSize = Math.Max(Size("multipart_chunksize", 16L << 20), 5L << 20);
        Concurrency = (int)Math.Clamp(Size("max_concurrency", 4), 1, 64);
        Ranges = TransferSettings.Ranges(blocks, Root);
        ResumeMaxAge = TransferSettings.ResumeMaxAge(blocks, Root);

        long Size(string name, long fallback) =>
            long.TryParse(Get($"{Root}.{name}") ?? Get($"sdk.aws.boto3.{name}"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }

    /// <summary>The top-level key, secret, token and region.</summary>
    public S3BucketSettings Default { get; }

    /// <summary>The <c>credentials</c> items, in order.</summary>
    public IReadOnlyList<S3BucketSettings> Buckets { get; }

    /// <summary>Files at least this large go up in parts (<c>sdk.aws.s3.multipart_threshold</c> or <c>sdk.aws.boto3.multipart_threshold</c>).</summary>
    public long MultipartThreshold { get; }

    /// <summary>The size of one part (<c>multipart_chunksize</c>; at least 5 MiB, S3's minimum).</summary>
    public long PartSize { get; }

    /// <summary>Parts sent at once (<c>max_concurrency</c>).</summary>
    public int Concurrency { get; }

    /// <summary>Ranged downloads: <c>download_threshold</c>, <c>download_chunksize</c>, <c>download_concurrency</c>.</summary>
    public RangeSettings Ranges { get; }

    /// <summary>How long an interrupted multipart upload may be resumed (<c>resume_max_age_hours</c>) before it is aborted.</summary>
    public TimeSpan ResumeMaxAge { get; }

    /// <summary>Is <paramref name="netloc"/> (the part after <c>s3://</c>) a configured endpoint rather than a bucket?</summary>
    public bool IsHost(string netloc) =>
        netloc.Contains(':', StringComparison.Ordinal) || Buckets.Any(b => string.Equals(b.Host, netloc, StringComparison.OrdinalIgnoreCase));

    /// <summary>The settings for <paramref name="bucket"/> (on <paramref name="host"/>): ClearML's match on host and bucket.</summary>
    public S3BucketSettings For(string? host, string bucket)
    {
        if (host is not null)
        {
            var onHost = Buckets.Where(b => string.Equals(b.Host, host, StringComparison.OrdinalIgnoreCase)).ToList();
            return onHost.FirstOrDefault(b => b.Bucket == bucket) ?? onHost.FirstOrDefault(b => b.Bucket is null)
                ?? Default with { Host = host, Bucket = bucket, ConfigPath = $"{Root}.credentials" };
        }
        return Buckets.FirstOrDefault(b => b.Host is null && b.Bucket == bucket) ?? Default;
    }
}
