using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;
using Cairn.Testing;
using Cairn.Tests.Models;
using Xunit;

namespace Cairn.Tests;

/// <summary>One family to catch: request, storage and configuration errors are <see cref="ClearMLException"/>s, and no raw HttpRequestException leaves the SDK.</summary>
public sealed class ExceptionFamilyTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task A_refusal_is_a_request_exception_with_its_code_endpoint_and_transaction_and_is_not_transient()
    {
        ClearMLException e = await Assert.ThrowsAsync<ClearMLRequestException>(() => Model.GetAsync(new string('0', 32), fixture.Session));
        var request = Assert.IsType<ClearMLRequestException>(e);
        Assert.Equal(("models.get_by_id", 400), (request.Endpoint, request.ResultCode));
        Assert.NotEqual(0, request.ResultSubcode);
        Assert.False(string.IsNullOrEmpty(request.TransactionId));
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_transient_request_exception_wrapping_the_transport_error()
    {
        var settings = SdkServerFixture.SettingsFor(fixture.Server, fixture.CacheDir) with
        {
            ApiHost = new Uri($"http://127.0.0.1:{TestServer.FreePort()}/"),
            RetryDeadline = TimeSpan.FromSeconds(1),
        };
        await using var session = new ClearMLSession(settings);
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => Model.QueryModelsAsync(session: session));
        Assert.True(e.IsTransient);
        Assert.Equal(0, e.ResultCode);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task A_store_refusal_is_a_storage_exception_not_a_raw_http_error()
    {
        // The files server under another name gets no token, so it refuses with 401.
        var settings = SdkServerFixture.SettingsFor(fixture.Server, fixture.CacheDir) with { FilesHost = new Uri($"http://localhost:{fixture.Server.FilesPort}") };
        await using var session = new ClearMLSession(settings);
        var storage = new StorageManager(session);
        var local = fixture.WriteFile("family/t.bin", 100);
        ClearMLStorageException e = await Assert.ThrowsAsync<StorageRequestException>(() => storage.UploadFileAsync(local, $"{fixture.FilesHost}/family/t.bin"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ((StorageRequestException)e).StatusCode);
        Assert.False(e.IsTransient);
        Assert.IsAssignableFrom<IOException>(e); // code catching IOException around transfers keeps working
    }

    [Fact]
    public void Configuration_errors_name_the_setting_and_its_source_and_belong_to_the_family()
    {
        var file = Path.Combine(fixture.WorkDir, "family-clearml.conf");
        File.WriteAllText(file, "api { api_server: \"ftp://nope\"\n credentials { access_key: \"a\", secret_key: \"top-secret-9876\" } }\n");
        ClearMLException e = Assert.Throws<ClearMLConfigurationException>(() => ClearMLSettings.Load(new ClearMLSettingsOverrides { ConfigFile = file }));
        var config = (ClearMLConfigurationException)e;
        Assert.Equal(("api.api_server", file), (config.Setting, config.SettingSource));
        Assert.Contains("api.api_server", e.Message);
        Assert.DoesNotContain("top-secret-9876", e.Message);
    }
}
