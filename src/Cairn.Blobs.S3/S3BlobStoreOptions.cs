namespace Cairn.Blobs.S3;

/// <summary><c>Cairn:Files:S3</c>: the bucket the file server keeps its bytes in.</summary>
public sealed class S3BlobStoreOptions
{
    public const string Section = "Cairn:Files:S3";

    /// <summary>The bucket (must exist).</summary>
    public string? Bucket { get; set; }

    /// <summary>A key prefix under which every file goes (<c>cairn/</c>); empty for the bucket's root.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>An S3-compatible endpoint (MinIO, Ceph, s3rver); unset for AWS.</summary>
    public string? Endpoint { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>With <see cref="SecretKey"/>; both unset: the AWS SDK's default credential chain.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>A session token for temporary credentials (STS), with <see cref="AccessKey"/> and <see cref="SecretKey"/>.</summary>
    public string? SessionToken { get; set; }

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name; most S3-compatible servers need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Uploads larger than this go up as a multipart upload in parts of this size (at least 5 MiB, S3's minimum).</summary>
    public int PartSizeBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How many parts of one upload are sent at once; memory per upload is about (this + 1) × part size.</summary>
    public int MaxConcurrentParts { get; set; } = 4;

    /// <summary>The first problem as one line naming the option; null when the options are usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            return $"{Section}:Bucket must be set when Cairn:Files:Provider is s3.";
        }
        if (Endpoint is not null && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            return $"{Section}:Endpoint must be an absolute URL (got '{Endpoint}').";
        }
        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            return $"{Section}:AccessKey and {Section}:SecretKey must be set together.";
        }
        if (PartSizeBytes < 5 * 1024 * 1024)
        {
            return $"{Section}:PartSizeBytes must be at least 5242880 (S3's smallest part; got {PartSizeBytes}).";
        }
        if (MaxConcurrentParts is < 1 or > 64)
        {
            return $"{Section}:MaxConcurrentParts must be between 1 and 64 (got {MaxConcurrentParts}).";
        }
        return null;
    }
}
