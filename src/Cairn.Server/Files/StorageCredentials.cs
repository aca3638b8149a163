namespace Cairn.Server.Files;

/// <summary>
/// <c>Cairn:StorageCredentials</c>: what the server may use to delete weights and artifacts the
/// SDK wrote straight to object storage (<c>s3://</c>, <c>azure://</c>, <c>gs://</c>) when their model
/// or task is deleted. The shape follows <c>clearml.conf</c>'s <c>sdk.aws.s3</c>,
/// <c>sdk.azure.storage.containers</c> and <c>sdk.google.storage</c> (as ClearML's own server takes them in
/// <c>storage_credentials.conf</c>), with .NET names: <c>account_name</c> is <c>AccountName</c>.
/// </summary>
public sealed class StorageCredentials
{
    public const string Section = "Cairn:StorageCredentials";

    public S3StorageCredentials S3 { get; set; } = new();

    public AzureStorageCredentials Azure { get; set; } = new();

    public GoogleStorageCredentials Google { get; set; } = new();

    /// <summary>The first problem as one line naming the option (never a secret); null when usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrEmpty(S3.Key) != string.IsNullOrEmpty(S3.Secret))
        {
            return $"{Section}:S3:Key and {Section}:S3:Secret must be set together.";
        }
        for (var i = 0; i < S3.Credentials.Count; i++)
        {
            var entry = S3.Credentials[i];
            var path = $"{Section}:S3:Credentials:{i}";
            if (string.IsNullOrWhiteSpace(entry.Bucket))
            {
                return $"{path}:Bucket must be set.";
            }
            if (string.IsNullOrEmpty(entry.Key) != string.IsNullOrEmpty(entry.Secret))
            {
                return $"{path}:Key and {path}:Secret must be set together.";
            }
            if (entry.Host is { Length: > 0 } host && (host.Contains('/', StringComparison.Ordinal) || !Uri.TryCreate($"http://{host}", UriKind.Absolute, out _)))
            {
                return $"{path}:Host must be a host and port such as 'minio.example.com:9000', without a scheme (got '{host}').";
            }
        }
        for (var i = 0; i < Azure.Containers.Count; i++)
        {
            var entry = Azure.Containers[i];
            var path = $"{Section}:Azure:Containers:{i}";
            if (string.IsNullOrWhiteSpace(entry.AccountName) || string.IsNullOrWhiteSpace(entry.AccountKey))
            {
                return $"{path}:AccountName and {path}:AccountKey must be set.";
            }
            var key = new byte[entry.AccountKey.Length];
            if (!Convert.TryFromBase64String(entry.AccountKey, key, out _))
            {
                return $"{path}:AccountKey is not a base64 shared key (the value is not shown).";
            }
            if (entry.Endpoint is { } endpoint && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                return $"{path}:Endpoint must be an absolute http(s) URL (got '{endpoint}').";
            }
        }
        if (Google.Endpoint is { } gcsEndpoint && (!Uri.TryCreate(gcsEndpoint, UriKind.Absolute, out var gcsUri) || gcsUri.Scheme is not ("http" or "https")))
        {
            return $"{Section}:Google:Endpoint must be an absolute http(s) URL (got '{gcsEndpoint}').";
        }
        for (var i = 0; i < Google.Credentials.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Google.Credentials[i].Bucket))
            {
                return $"{Section}:Google:Credentials:{i}:Bucket must be set.";
            }
        }
        return null;
    }
}

/// <summary><c>sdk.aws.s3</c>: default credentials for AWS buckets and per-bucket (or per-host) entries.</summary>
public sealed class S3StorageCredentials
{
    /// <summary>Used for <c>s3://bucket/…</c> on AWS when no entry names the bucket.</summary>
    public string? Key { get; set; }

    public string? Secret { get; set; }

    public string? Token { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>With no key: use the AWS SDK's default chain (environment, profile, instance role) for any AWS bucket.</summary>
    public bool UseCredentialsChain { get; set; }

    public List<S3BucketCredentials> Credentials { get; set; } = [];
}

/// <summary>One item of <c>sdk.aws.s3.credentials</c>.</summary>
public sealed class S3BucketCredentials
{
    public string Bucket { get; set; } = "";

    /// <summary>An S3-compatible endpoint (<c>minio:9000</c>); URLs are then <c>s3://host:port/bucket/key</c>.</summary>
    public string? Host { get; set; }

    public string? Key { get; set; }

    public string? Secret { get; set; }

    public string? Token { get; set; }

    /// <summary>https (true, the default) or http for <see cref="Host"/>.</summary>
    public bool Secure { get; set; } = true;

    public string? Region { get; set; }
}

/// <summary><c>sdk.azure.storage</c>.</summary>
public sealed class AzureStorageCredentials
{
    public List<AzureContainerCredentials> Containers { get; set; } = [];
}

/// <summary>One item of <c>sdk.azure.storage.containers</c>; no <see cref="ContainerName"/> serves every container of the account.</summary>
public sealed class AzureContainerCredentials
{
    public string AccountName { get; set; } = "";

    public string AccountKey { get; set; } = "";

    public string? ContainerName { get; set; }

    /// <summary>The blob service URL when it is not <c>https://&lt;account&gt;.blob.core.windows.net</c> (Azurite, another cloud).</summary>
    public string? Endpoint { get; set; }
}

/// <summary>
/// <c>sdk.google.storage</c>: a default <c>credentials_json</c> (a key file's path) and per-bucket
/// (and per-subdirectory) entries, matched as the Python SDK matches them.
/// </summary>
public sealed class GoogleStorageCredentials
{
    public string? Project { get; set; }

    /// <summary>The path of a Google credential JSON file used for buckets no entry names.</summary>
    public string? CredentialsJson { get; set; }

    /// <summary>
    /// The JSON API's root when not Google's (an emulator such as <c>http://127.0.0.1:9199</c>);
    /// with it, a bucket with no <c>CredentialsJson</c> is reached without credentials.
    /// </summary>
    public string? Endpoint { get; set; }

    public List<GoogleBucketCredentials> Credentials { get; set; } = [];
}

/// <summary>One item of <c>sdk.google.storage.credentials</c>.</summary>
public sealed class GoogleBucketCredentials
{
    public string Bucket { get; set; } = "";

    /// <summary>A path prefix in the bucket this entry is for; none serves the whole bucket.</summary>
    public string? Subdir { get; set; }

    public string? Project { get; set; }

    public string? CredentialsJson { get; set; }
}
