using Cairn.Configuration.Hocon;

namespace Cairn.Configuration;

/// <summary>
/// The settings of a <see cref="ClearMLClient"/> registered with
/// <c>services.AddClearML(…)</c>, bound from an <c>IConfiguration</c> section (such as
/// <c>"ClearML"</c> in <c>appsettings.json</c>) or set by a delegate. Every value left null falls
/// back, in ClearML's precedence, to the <c>CLEARML_*</c> environment variables and then to
/// <c>clearml.conf</c> (<see cref="ConfigFile"/>, else <c>CLEARML_CONFIG_FILE</c>, else
/// <c>~/clearml.conf</c>): values set here rank as values set in code, above both.
/// </summary>
/// <remarks>
/// URLs are strings so that a bad value fails with a message naming the key and its source
/// rather than a binder error; the secret key never appears in a message.
/// </remarks>
public sealed class ClearMLOptions
{
    /// <summary>The configuration section <c>AddClearML</c> documents: <c>"ClearML"</c>.</summary>
    public const string SectionName = "ClearML";

    /// <summary>The API server (<c>api.api_server</c>, <c>CLEARML_API_HOST</c>).</summary>
    public string? ApiHost { get; set; }

    /// <summary>The web server (<c>api.web_server</c>, <c>CLEARML_WEB_HOST</c>).</summary>
    public string? WebHost { get; set; }

    /// <summary>The file server (<c>api.files_server</c>, <c>CLEARML_FILES_HOST</c>).</summary>
    public string? FilesHost { get; set; }

    /// <summary>The access key (<c>api.credentials.access_key</c>, <c>CLEARML_API_ACCESS_KEY</c>).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret key (<c>api.credentials.secret_key</c>, <c>CLEARML_API_SECRET_KEY</c>); prefer a secret store or the environment to a file.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Read this <c>clearml.conf</c> instead of <c>CLEARML_CONFIG_FILE</c> or <c>~/clearml.conf</c>.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The default output URI of experiments (<c>sdk.development.default_output_uri</c>).</summary>
    public string? DefaultOutputUri { get; set; }

    /// <summary>Where this client's output models upload when they have no destination of their own (see <see cref="ClearMLClient.SetDefaultUploadUri"/>).</summary>
    public string? DefaultUploadUri { get; set; }

    /// <summary>The cache root folder (<c>sdk.storage.cache.default_base_dir</c>, <c>CLEARML_CACHE_DIR</c>).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The cache's size limit in bytes.</summary>
    public long? CacheSizeLimitBytes { get; set; }

    /// <summary>How long one call retries transient failures (<c>api.http.retry_deadline_sec</c>).</summary>
    public TimeSpan? RetryDeadline { get; set; }

    /// <summary>How long a file transfer may move no byte before it is retried.</summary>
    public TimeSpan? TransferIdleTimeout { get; set; }

    /// <summary>
    /// Resolves the settings: these values, then the environment, then the configuration file.
    /// <paramref name="source"/> names where these values came from in messages (a configuration
    /// section's path, or code); <paramref name="keyPrefix"/> is put before each key (<c>ClearML:</c>).
    /// </summary>
    /// <exception cref="ClearMLConfigurationException">A value is unusable or the host or key pair is missing; names the setting and its source.</exception>
    internal ClearMLSettings Resolve(string source, string keyPrefix, Func<string, string?> environment)
    {
        var overrides = new ClearMLSettingsOverrides
        {
            ConfigFile = ConfigFile,
            ApiHost = Url(ApiHost, nameof(ApiHost)),
            WebHost = Url(WebHost, nameof(WebHost)),
            FilesHost = Url(FilesHost, nameof(FilesHost)),
            AccessKey = Blank(AccessKey),
            SecretKey = Blank(SecretKey),
            DefaultOutputUri = Blank(DefaultOutputUri),
            CacheDirectory = Blank(CacheDirectory),
            CacheSizeLimitBytes = CacheSizeLimitBytes is < 0 ? throw Invalid(nameof(CacheSizeLimitBytes), "must not be negative") : CacheSizeLimitBytes,
            RetryDeadline = RetryDeadline is { } d && d <= TimeSpan.Zero ? throw Invalid(nameof(RetryDeadline), "must be positive") : RetryDeadline,
            TransferIdleTimeout = TransferIdleTimeout is { } t && t <= TimeSpan.Zero ? throw Invalid(nameof(TransferIdleTimeout), "must be positive") : TransferIdleTimeout,
        };
        if (ConfigFile is { Length: > 0 } file && !File.Exists(file))
        {
            throw new ClearMLConfigurationException(keyPrefix + nameof(ConfigFile), source, $"{keyPrefix}{nameof(ConfigFile)} (from {source}) names '{file}', which does not exist.");
        }
        try
        {
            return SettingsLoader.Load(overrides, environment,
                $"set {keyPrefix}{nameof(ApiHost)}, {keyPrefix}{nameof(AccessKey)} and {keyPrefix}{nameof(SecretKey)} in {source}");
        }
        catch (HoconParseException e)
        {
            throw new ClearMLConfigurationException(null, e.File, $"The ClearML configuration file cannot be read: {e.Message}", e);
        }

        Uri? Url(string? text, string key)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                ? url
                : throw Invalid(key, $"must be an absolute http(s) URL, not '{text}'");
        }

        ClearMLConfigurationException Invalid(string key, string problem) =>
            new(keyPrefix + key, source, $"{keyPrefix}{key} (from {source}) {problem}.");
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
