using System.Globalization;
using Cairn.Configuration.Hocon;

namespace Cairn.Configuration;

/// <summary>Resolves <see cref="ClearMLSettings"/> from the file, the environment and code, in that order.</summary>
internal static class SettingsLoader
{
    private static readonly string[] StorageBlockPaths = ["sdk.aws.s3", "sdk.aws.boto3", "sdk.azure.storage", "sdk.google.storage"];

    /// <param name="overrides">Values set in code; they win.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="codeHint">How to set a missing value in code, for the message (an options section names its keys).</param>
    public static ClearMLSettings Load(ClearMLSettingsOverrides? overrides, Func<string, string?> environment, string codeHint = "pass ClearMLSettingsOverrides")
    {
        overrides ??= new ClearMLSettingsOverrides();
        var home = environment("HOME") is { Length: > 0 } h ? h
            : environment("USERPROFILE") is { Length: > 0 } u ? u
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var file = FindFile(overrides, environment, home);
        var config = file is null ? new HoconConfig(new HoconObject(default)) : HoconConfig.Load(file, environment);
        string? Env(string name) => environment("CLEARML_" + name) is { Length: > 0 } value ? value
            : environment("TRAINS_" + name) is { Length: > 0 } legacy ? legacy : null;
        string? Conf(string path) => config.GetString(path) is { Length: > 0 } value ? value : null;

        var apiHost = overrides.ApiHost ?? Url(Env("API_HOST"), "CLEARML_API_HOST") ?? Url(Conf("api.api_server") ?? Conf("api.host"), "api.api_server", file);
        var webHost = overrides.WebHost ?? Url(Env("WEB_HOST"), "CLEARML_WEB_HOST") ?? Url(Conf("api.web_server"), "api.web_server", file);
        var filesHost = overrides.FilesHost ?? Url(Env("FILES_HOST"), "CLEARML_FILES_HOST") ?? Url(Conf("api.files_server"), "api.files_server", file);
        var accessKey = overrides.AccessKey ?? Env("API_ACCESS_KEY") ?? Conf("api.credentials.access_key");
        var secretKey = overrides.SecretKey ?? Env("API_SECRET_KEY") ?? Conf("api.credentials.secret_key");
        RequireServerAndKeys(apiHost, accessKey, secretKey, file, codeHint);
        webHost ??= ServerUrls.DeriveWebHost(apiHost!);
        filesHost ??= webHost is null ? null : ServerUrls.DeriveFilesHost(webHost);

        var cache = overrides.CacheDirectory ?? Env("CACHE_DIR") ?? Conf("sdk.storage.cache.default_base_dir") ?? "~/.clearml/cache";
        var deadline = overrides.RetryDeadline
            ?? ReadDeadline(config, "api.http.retry_deadline_sec") ?? TimeSpan.FromMinutes(5);
        return new ClearMLSettings
        {
            ApiHost = apiHost!,
            WebHost = webHost,
            FilesHost = filesHost,
            AccessKey = accessKey,
            SecretKey = secretKey,
            DefaultOutputUri = overrides.DefaultOutputUri ?? Env("DEFAULT_OUTPUT_URI") ?? Conf("sdk.development.default_output_uri"),
            CacheDirectory = ExpandHome(cache, home),
            CacheSizeLimitBytes = overrides.CacheSizeLimitBytes ?? ReadSize(config, "sdk.storage.cache.size.max_used_bytes") ?? ClearMLSettings.DefaultCacheSizeLimitBytes,
            RetryDeadline = deadline,
            TransferIdleTimeout = overrides.TransferIdleTimeout
                ?? ReadDeadline(config, "sdk.storage.transfer_idle_timeout_sec") ?? TimeSpan.FromMinutes(2),
            StorageBlocks = StorageBlockPaths
                .SelectMany(config.Flatten)
                .Where(pair => pair.Value is not null)
                .ToDictionary(pair => pair.Key, pair => pair.Value!, StringComparer.Ordinal),
            ConfigFile = file,
        };
    }

    internal static string? FindFile(ClearMLSettingsOverrides overrides, Func<string, string?> environment, string home)
    {
        if (overrides.ConfigFile is { } explicitFile)
        {
            return File.Exists(explicitFile) ? explicitFile
                : throw new ClearMLConfigurationException("ConfigFile", "code", $"The configuration file '{explicitFile}' given in code does not exist.");
        }
        foreach (var variable in new[] { "CLEARML_CONFIG_FILE", "TRAINS_CONFIG_FILE" })
        {
            if (environment(variable) is { Length: > 0 } named)
            {
                var path = ExpandHome(named, home);
                return File.Exists(path) ? path
                    : throw new ClearMLConfigurationException(variable, "the environment", $"{variable} names '{named}', which does not exist.");
            }
        }
        var standard = Path.Combine(home, "clearml.conf");
        return File.Exists(standard) ? standard : null;
    }

    private static void RequireServerAndKeys(Uri? apiHost, string? accessKey, string? secretKey, string? file, string codeHint)
    {
        var missing = new List<string>();
        if (apiHost is null)
        {
            missing.Add("the API server (api.api_server, or CLEARML_API_HOST)");
        }
        if (accessKey is null)
        {
            missing.Add("the access key (api.credentials.access_key, or CLEARML_API_ACCESS_KEY)");
        }
        if (secretKey is null)
        {
            missing.Add("the secret key (api.credentials.secret_key, or CLEARML_API_SECRET_KEY)");
        }
        if (missing.Count > 0)
        {
            var where = file is null ? "no configuration file was found (~/clearml.conf or CLEARML_CONFIG_FILE)" : $"read {file}";
            throw new ClearMLConfigurationException(null, file,
                $"The ClearML configuration lacks {string.Join("; ", missing)}: {where}. Run clearml-init, set the environment variables, or {codeHint}.");
        }
    }

    private static Uri? Url(string? text, string key, string? file = null)
    {
        if (text is null)
        {
            return null;
        }
        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }
        throw new ClearMLConfigurationException(key, file ?? "the environment", $"{key}{(file is null ? "" : $" in {file}")} must be an absolute http(s) URL, not '{text}'.");
    }

    private static string ExpandHome(string path, string home) =>
        path == "~" ? home
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(home, path[2..])
        : path;

    /// <summary>A retry deadline in seconds: positive and at most a day (larger values overflow a TimeSpan or never give up).</summary>
    private static TimeSpan? ReadDeadline(HoconConfig config, string path)
    {
        if (config.GetDouble(path) is not { } seconds)
        {
            return null;
        }
        return seconds is > 0 and <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ClearMLConfigurationException($"{path} must be a number of seconds between 0 and 86400, not {seconds.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>A size in bytes, written plainly or with a unit (<c>512MB</c>, <c>10GiB</c>, <c>2g</c>; units count in 1024s).</summary>
    private static long? ReadSize(HoconConfig config, string path)
    {
        if (config.GetString(path) is not { Length: > 0 } text)
        {
            return null;
        }
        var trimmed = text.Trim();
        var digits = trimmed.TakeWhile(c => char.IsDigit(c) || c == '.').Count();
        var unit = trimmed[digits..].Trim().ToUpperInvariant().Replace("IB", "", StringComparison.Ordinal).TrimEnd('B');
        int? shift = unit switch { "" => 0, "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => null };
        if (digits == 0 || shift is null || !double.TryParse(trimmed[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw new ClearMLConfigurationException($"{path} must be a size in bytes (such as 10737418240 or 10GB), not '{text}'.");
        }
        return (long)(number * Math.Pow(2, shift.Value));
    }
}
