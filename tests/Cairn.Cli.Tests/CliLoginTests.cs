using Cairn.Testing;
using Xunit;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn login</c> writes a clearml.conf the SDK (and so <c>whoami</c>) reads.</summary>
public sealed class CliLoginTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    // No CLEARML_* variables: everything must come from the file login writes.
    private readonly CliProcess _cli = new(fixture.Server, configureEnvironment: false);

    public void Dispose() => _cli.Dispose();

    private string ConfPath => Path.Combine(_cli.Home, "clearml.conf");

    [Fact]
    public async Task Login_writes_clearml_conf_and_whoami_reads_it()
    {
        var server = fixture.Server;
        var login = (await _cli.RunAsync("login", "--api-host", server.ApiUrl.ToString(), "--files-host", $"http://127.0.0.1:{server.FilesPort}",
            "--access-key", TestServer.AccessKey, "--secret-key", TestServer.SecretKey)).Ok();
        Assert.Contains("Test User", login.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(ConfPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfPath));
        }

        var whoami = (await _cli.RunAsync("whoami", "--json")).Ok().Json();
        Assert.Equal("Test User", whoami["name"]!.GetValue<string>());
        Assert.Equal(server.ApiUrl.ToString(), whoami["api_server"]!.GetValue<string>());

        // A second login replaces its block; what else the file holds is kept.
        File.AppendAllText(ConfPath, "sdk { development { default_output_uri: \"\" } }\n");
        (await _cli.RunAsync("login", "--api-host", server.ApiUrl.ToString(), "--access-key", TestServer.AccessKey, "--secret-key", TestServer.SecretKey)).Ok();
        var text = File.ReadAllText(ConfPath);
        Assert.Single(text.Split(ClearmlMarker).Skip(1));
        Assert.Contains("default_output_uri", text, StringComparison.Ordinal);
        (await _cli.RunAsync("whoami")).Ok();
    }

    private const string ClearmlMarker = ">>> cairn login";

    [Fact]
    public async Task Login_with_a_wrong_secret_fails_and_writes_nothing()
    {
        var result = await _cli.RunAsync("login", "--api-host", fixture.Server.ApiUrl.ToString(), "--access-key", TestServer.AccessKey, "--secret-key", "wrong");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the server refused the credentials", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfPath));
    }

    [Fact]
    public async Task Login_refuses_a_url_that_is_not_http()
    {
        var result = await _cli.RunAsync("login", "--api-host", "ftp://host", "--access-key", "a", "--secret-key", "b");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'ftp://host' is not an http(s) URL", result.Stderr, StringComparison.Ordinal);
    }
}
