using Cairn.Configuration;
using Cairn.Configuration.Hocon;
using Xunit;

namespace Cairn.Tests.Configuration;

public sealed class ClearMLSettingsTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("clearml-home-").FullName;

    private readonly Dictionary<string, string> _environment = [];

    public ClearMLSettingsTests() => _environment["HOME"] = _home;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private ClearMLSettings Load(ClearMLSettingsOverrides? overrides = null) =>
        SettingsLoader.Load(overrides, name => _environment.TryGetValue(name, out var value) ? value : null);

    private string WriteHomeConfig(string text)
    {
        var path = Path.Combine(_home, "clearml.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_documented_full_example_fills_every_setting()
    {
        var file = WriteHomeConfig(RealConfigFiles.DocsExample);
        var settings = Load();
        Assert.Equal(new Uri("http://localhost:8008"), settings.ApiHost);
        Assert.Equal(new Uri("http://localhost:8080"), settings.WebHost);
        Assert.Equal(new Uri("http://localhost:8081"), settings.FilesHost);
        Assert.Equal("EGRTCO8JMSIGI6S39GTP43NFWXDQOW", settings.AccessKey);
        Assert.Equal("x!XTov_G-#vspE*Y(h$Anm&DIc5Ou-F)jsl$PdOyj5wG1&E!Z8", settings.SecretKey);
        Assert.Null(settings.DefaultOutputUri);
        Assert.Equal(Path.Combine(_home, ".clearml/cache"), settings.CacheDirectory);
        Assert.Equal(ClearMLSettings.DefaultCacheSizeLimitBytes, settings.CacheSizeLimitBytes);
        Assert.Equal("false", settings.StorageBlocks["sdk.aws.s3.use_credentials_chain"]);
        Assert.Equal("512", settings.StorageBlocks["sdk.aws.boto3.pool_connections"]);
        Assert.Equal("", settings.StorageBlocks["sdk.aws.s3.key"]);
        Assert.Equal(file, settings.ConfigFile);
    }

    [Fact]
    public void The_file_clearml_init_writes_reads_its_unquoted_urls_and_inline_credentials()
    {
        _environment["CLEARML_CONFIG_FILE"] = WriteHomeConfig(RealConfigFiles.ClearmlInitOutput).Replace(_home, "~", StringComparison.Ordinal);
        var settings = Load();
        Assert.Equal(new Uri("http://10.0.0.5:8008"), settings.ApiHost);
        Assert.Equal(new Uri("http://10.0.0.5:8080/"), settings.WebHost);
        Assert.Equal(new Uri("http://10.0.0.5:8081"), settings.FilesHost);
        Assert.Equal("KR5BUYM6AIBR1YAP4PIY82K1GNPZOG", settings.AccessKey);
        Assert.Equal("wIvySq4WwYTzJaxWX_u8vOhXFYKRdCrRDIksvT6QFYnCh7X2oeroD5o_mzftpbNQkLE", settings.SecretKey);
        Assert.Equal("8388608", settings.StorageBlocks["sdk.aws.boto3.multipart_chunksize"]);
        var config = HoconConfig.Parse(RealConfigFiles.ClearmlInitOutput, null, _ => null);
        Assert.Equal("file://*", config.Flatten("sdk.storage.direct_access").Single().Value);
        Assert.Equal(72.0, config.GetDouble("sdk.development.task_reuse_time_window_in_hours"));
    }

    [Fact]
    public void The_environment_wins_over_the_file_and_code_wins_over_both()
    {
        WriteHomeConfig(RealConfigFiles.DocsExample);
        _environment["CLEARML_API_HOST"] = "http://env-api:8008";
        _environment["CLEARML_FILES_HOST"] = "http://env-files:8081";
        _environment["CLEARML_API_ACCESS_KEY"] = "ENVKEY";
        _environment["CLEARML_DEFAULT_OUTPUT_URI"] = "file:///srv/out";
        _environment["CLEARML_CACHE_DIR"] = "/tmp/env-cache";
        var settings = Load(new ClearMLSettingsOverrides { FilesHost = new Uri("http://code-files:9000"), CacheSizeLimitBytes = 1234 });
        Assert.Equal(new Uri("http://env-api:8008"), settings.ApiHost);
        Assert.Equal(new Uri("http://localhost:8080"), settings.WebHost);
        Assert.Equal(new Uri("http://code-files:9000"), settings.FilesHost);
        Assert.Equal("ENVKEY", settings.AccessKey);
        Assert.Equal("x!XTov_G-#vspE*Y(h$Anm&DIc5Ou-F)jsl$PdOyj5wG1&E!Z8", settings.SecretKey);
        Assert.Equal("file:///srv/out", settings.DefaultOutputUri);
        Assert.Equal("/tmp/env-cache", settings.CacheDirectory);
        Assert.Equal(1234, settings.CacheSizeLimitBytes);
    }

    [Fact]
    public void Without_a_file_the_environment_is_enough_and_the_web_and_files_hosts_are_derived()
    {
        _environment["CLEARML_API_HOST"] = "http://server:8008";
        _environment["TRAINS_API_ACCESS_KEY"] = "K";
        _environment["CLEARML_API_SECRET_KEY"] = "S";
        var settings = Load();
        Assert.Null(settings.ConfigFile);
        Assert.Equal("K", settings.AccessKey);
        Assert.Equal(new Uri("http://server:8080"), settings.WebHost);
        Assert.Equal(new Uri("http://server:8081"), settings.FilesHost);
        var hosted = Load(new ClearMLSettingsOverrides { ApiHost = new Uri("https://api.example.com") });
        Assert.Equal(new Uri("https://app.example.com"), hosted.WebHost);
        Assert.Equal(new Uri("https://files.example.com"), hosted.FilesHost);
    }

    [Fact]
    public void Nothing_configured_names_every_setting_that_is_missing()
    {
        var e = Assert.Throws<ClearMLConfigurationException>(() => Load());
        Assert.Contains("CLEARML_API_HOST", e.Message, StringComparison.Ordinal);
        Assert.Contains("CLEARML_API_ACCESS_KEY", e.Message, StringComparison.Ordinal);
        Assert.Contains("CLEARML_API_SECRET_KEY", e.Message, StringComparison.Ordinal);
        Assert.Contains("no configuration file was found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_file_variable_naming_a_missing_file_is_an_error()
    {
        _environment["CLEARML_CONFIG_FILE"] = Path.Combine(_home, "nope.conf");
        var e = Assert.Throws<ClearMLConfigurationException>(() => Load());
        Assert.Contains("CLEARML_CONFIG_FILE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cairn_keys_set_the_cache_size_in_bytes_and_the_retry_deadline()
    {
        WriteHomeConfig("""
            api { api_server: "http://a:8008", credentials { access_key: k, secret_key: s }, http.retry_deadline_sec: 42 }
            sdk.storage.cache { default_base_dir: ${HOME}/c, size.max_used_bytes: 2GB }
            """);
        var settings = Load();
        Assert.Equal(2L << 30, settings.CacheSizeLimitBytes);
        Assert.Equal(TimeSpan.FromSeconds(42), settings.RetryDeadline);
        Assert.Equal(Path.Combine(_home, "c"), settings.CacheDirectory);
    }

    [Fact]
    public void A_host_that_is_not_an_http_url_is_refused_naming_the_key()
    {
        WriteHomeConfig("api { api_server: \"localhost\", credentials { access_key: k, secret_key: s } }");
        var e = Assert.Throws<ClearMLConfigurationException>(() => Load());
        Assert.Contains("api.api_server", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_in_the_file_names_the_file_line_and_column()
    {
        var file = WriteHomeConfig("api {\n  api_server: \"http://a\n}\n");
        var e = Assert.Throws<HoconParseException>(() => Load());
        Assert.Equal(file, e.File);
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-5")]
    [InlineData("0")]
    public void A_retry_deadline_out_of_range_is_refused_naming_the_key(string seconds)
    {
        WriteHomeConfig($"api {{ api_server: \"http://a\", credentials {{ access_key: k, secret_key: s }}, http {{ retry_deadline_sec: {seconds} }} }}");
        var e = Assert.Throws<ClearMLConfigurationException>(() => Load());
        Assert.Contains("api.http.retry_deadline_sec", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_key_never_appears_in_the_printed_settings()
    {
        var settings = Load(new ClearMLSettingsOverrides { ApiHost = new Uri("http://a"), AccessKey = "the-access", SecretKey = "the-secret-value" });
        Assert.Equal("the-secret-value", settings.SecretKey);
        Assert.DoesNotContain("the-secret-value", settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("the-access", settings.ToString(), StringComparison.Ordinal);
        var overrides = new ClearMLSettingsOverrides { SecretKey = "the-secret-value", AccessKey = "the-access" };
        Assert.DoesNotContain("the-secret-value", overrides.ToString(), StringComparison.Ordinal);
        Assert.Contains("the-access", overrides.ToString(), StringComparison.Ordinal);
    }
}
