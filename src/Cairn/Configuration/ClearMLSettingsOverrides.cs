using System.Text;

namespace Cairn.Configuration;

/// <summary>
/// Values set in code for <see cref="ClearMLSettings.Load(ClearMLSettingsOverrides?)"/>; each one
/// that is not null wins over the environment and the configuration file.
/// </summary>
public sealed record ClearMLSettingsOverrides
{
    /// <summary>Read this file instead of <c>CLEARML_CONFIG_FILE</c> or <c>~/clearml.conf</c>.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The API server.</summary>
    public Uri? ApiHost { get; init; }

    /// <summary>The web server.</summary>
    public Uri? WebHost { get; init; }

    /// <summary>The file server.</summary>
    public Uri? FilesHost { get; init; }

    /// <summary>The access key.</summary>
    public string? AccessKey { get; init; }

    /// <summary>The secret key.</summary>
    public string? SecretKey { get; init; }

    /// <summary>The default output URI of experiments.</summary>
    public string? DefaultOutputUri { get; init; }

    /// <summary>The cache root folder.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The cache's size limit in bytes.</summary>
    public long? CacheSizeLimitBytes { get; init; }

    /// <summary>How long one call retries transient failures.</summary>
    public TimeSpan? RetryDeadline { get; init; }

    /// <summary>How long a file transfer may move no byte before it is retried.</summary>
    public TimeSpan? TransferIdleTimeout { get; init; }

    /// <summary>Prints the members for the generated <c>ToString</c>, with the secret key redacted so logs never carry it.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ConfigFile = ").Append(ConfigFile)
            .Append(", ApiHost = ").Append(ApiHost)
            .Append(", WebHost = ").Append(WebHost)
            .Append(", FilesHost = ").Append(FilesHost)
            .Append(", AccessKey = ").Append(AccessKey)
            .Append(", SecretKey = ").Append(SecretKey is null ? "" : "***")
            .Append(", DefaultOutputUri = ").Append(DefaultOutputUri)
            .Append(", CacheDirectory = ").Append(CacheDirectory)
            .Append(", CacheSizeLimitBytes = ").Append(CacheSizeLimitBytes)
            .Append(", RetryDeadline = ").Append(RetryDeadline)
            .Append(", TransferIdleTimeout = ").Append(TransferIdleTimeout);
        return true;
    }
}
