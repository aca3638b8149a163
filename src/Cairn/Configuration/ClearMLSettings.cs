using System.Text;

namespace Cairn.Configuration;

/// <summary>
/// Everything the SDK needs to reach a server and store files, resolved from (lowest to highest
/// precedence) <c>clearml.conf</c>, environment variables and explicit values set in code.
/// <see cref="Load(ClearMLSettingsOverrides?)"/> does the resolution; tests and programs may also build one by hand.
/// </summary>
public sealed record ClearMLSettings
{
    /// <summary>The cache size limit when none is configured: 10 GiB.</summary>
    public const long DefaultCacheSizeLimitBytes = 10L << 30;

    /// <summary><c>api.api_server</c> / <c>CLEARML_API_HOST</c>.</summary>
    public required Uri ApiHost { get; init; }

    /// <summary><c>api.web_server</c> / <c>CLEARML_WEB_HOST</c>.</summary>
    public Uri? WebHost { get; init; }

    /// <summary><c>api.files_server</c> / <c>CLEARML_FILES_HOST</c>.</summary>
    public Uri? FilesHost { get; init; }

    /// <summary><c>api.credentials.access_key</c> / <c>CLEARML_API_ACCESS_KEY</c>.</summary>
    public string? AccessKey { get; init; }

    /// <summary><c>api.credentials.secret_key</c> / <c>CLEARML_API_SECRET_KEY</c>.</summary>
    public string? SecretKey { get; init; }

    /// <summary><c>sdk.development.default_output_uri</c> / <c>CLEARML_DEFAULT_OUTPUT_URI</c>.</summary>
    public string? DefaultOutputUri { get; init; }

    /// <summary><c>sdk.storage.cache.default_base_dir</c> / <c>CLEARML_CACHE_DIR</c> (default <c>~/.clearml/cache</c>).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Most bytes the local cache keeps before evicting least-recently-used entries
    /// (<c>sdk.storage.cache.size.max_used_bytes</c>, a Cairn key; ClearML limits the number of files).
    /// Null means <see cref="DefaultCacheSizeLimitBytes"/>.
    /// </summary>
    public long? CacheSizeLimitBytes { get; init; }

    /// <summary>
    /// How long one call keeps retrying connection errors and 429/502/503/504 before it gives up
    /// (<c>api.http.retry_deadline_sec</c>, a Cairn key).
    /// </summary>
    public TimeSpan RetryDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a file transfer may go without moving a byte before it is abandoned as stalled
    /// and retried (<c>sdk.storage.transfer_idle_timeout_sec</c>, a Cairn key; default 2 minutes).
    /// It bounds each chunk, not the whole transfer, so large files are never cut short.
    /// </summary>
    public TimeSpan TransferIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Storage blocks (<c>sdk.aws.s3</c>, <c>sdk.aws.boto3</c>, <c>sdk.azure.storage</c>, <c>sdk.google.storage</c>)
    /// as read from the configuration, kept for drivers; keys are the full configuration paths, list
    /// items numbered (<c>sdk.aws.s3.credentials.0.bucket</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> StorageBlocks { get; init; } = new Dictionary<string, string>();

    /// <summary>The configuration file that was read, if any.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// Resolves the settings: the file named by <c>CLEARML_CONFIG_FILE</c> (or <c>~/clearml.conf</c>
    /// when it exists), then the <c>CLEARML_*</c> environment variables, then <paramref name="overrides"/>.
    /// A missing file is fine when the environment or the overrides give the host and key pair.
    /// </summary>
    /// <exception cref="ClearMLConfigurationException">No API host or key pair is configured (the message names what to set), a URL is not absolute, or <c>CLEARML_CONFIG_FILE</c> names a missing file.</exception>
    /// <exception cref="Hocon.HoconParseException">The configuration file is not valid HOCON (the message gives the line and column).</exception>
    public static ClearMLSettings Load(ClearMLSettingsOverrides? overrides = null) =>
        SettingsLoader.Load(overrides, Environment.GetEnvironmentVariable);

    /// <summary>Prints the members for the generated <c>ToString</c>, with the secret key redacted so logs never carry it.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ApiHost = ").Append(ApiHost)
            .Append(", WebHost = ").Append(WebHost)
            .Append(", FilesHost = ").Append(FilesHost)
            .Append(", AccessKey = ").Append(AccessKey)
            .Append(", SecretKey = ").Append(SecretKey is null ? "" : "***")
            .Append(", DefaultOutputUri = ").Append(DefaultOutputUri)
            .Append(", CacheDirectory = ").Append(CacheDirectory)
            .Append(", CacheSizeLimitBytes = ").Append(CacheSizeLimitBytes)
            .Append(", RetryDeadline = ").Append(RetryDeadline)
            .Append(", TransferIdleTimeout = ").Append(TransferIdleTimeout)
            .Append(", StorageBlocks = ").Append(StorageBlocks.Count).Append(" keys")
            .Append(", ConfigFile = ").Append(ConfigFile);
        return true;
    }
}
