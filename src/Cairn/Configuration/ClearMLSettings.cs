namespace Cairn.Configuration;

/// <summary>
/// Everything the SDK needs to reach a server and store files, resolved from (lowest to highest
/// precedence) <c>clearml.conf</c>, environment variables and explicit values set in code.
/// <c>ClearMLSettings.Load</c> (to come with the configuration reader) does the resolution; tests and programs may also build one by hand.
/// </summary>
public sealed record ClearMLSettings
{
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

    /// <summary><c>sdk.storage.cache.default_base_dir</c> (default <c>~/.clearml/cache</c>).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Most bytes the local cache keeps before evicting least-recently-used entries
    /// (<c>sdk.storage.cache.size.max_used_bytes</c>, a Cairn key; ClearML limits the number of files).
    /// </summary>
    public long? CacheSizeLimitBytes { get; init; }

    /// <summary>How long one call keeps retrying connection errors and 429/502/503/504 before it gives up.</summary>
    public TimeSpan RetryDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Storage blocks (<c>aws.s3</c>, <c>azure.storage</c>, <c>google.storage</c>) as read from the
    /// configuration, kept for drivers; keys are the configuration paths.
    /// </summary>
    public IReadOnlyDictionary<string, string> StorageBlocks { get; init; } = new Dictionary<string, string>();
}
