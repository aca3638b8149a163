using System.Diagnostics;
using System.Text.RegularExpressions;
using Cairn.Server.Hosting;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>Start-up: option validation, configuration sources, first-start bootstrap, single-port mode.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("--Cairn:ApiPort=70000", "Cairn:ApiPort must be between 1 and 65535 (got 70000).")]
    [InlineData("--Cairn:JwtSigningKey=short", "Cairn:JwtSigningKey must be at least 32 characters long (got 5).")]
    [InlineData("--Cairn:Host=nowhere", "Cairn:Host must be an IP address or 'localhost' (got 'nowhere').")]
    [InlineData("--Cairn:TokenLifetime=00:00:00", "Cairn:TokenLifetime must be more than zero and at most 365 days (got 00:00:00).")]
    [InlineData("--Cairn:MaxRequestBodyBytes=10", "Cairn:MaxRequestBodyBytes must be at least 1024 (got 10).")]
    [InlineData("--Cairn:Files:Provider=ftp", "Cairn:Files:Provider must be 'disk', 's3' or 'azure' (got 'ftp').")]
    [InlineData("--Cairn:Files:Provider=azure --Cairn:Files:Azure:Container=models", "Cairn:Files:Azure:AccountName and Cairn:Files:Azure:AccountKey (or Cairn:Files:Azure:ConnectionString) must be set when Cairn:Files:Provider is azure.")]
    [InlineData("--Cairn:Files:Provider=azure --Cairn:Files:Azure:AccountName=acct --Cairn:Files:Azure:AccountKey=not*base64*secret", "Cairn:Files:Azure:AccountKey is not a base64 shared key (the value is not shown).")]
    [InlineData("--Cairn:Files:Provider=azure --Cairn:Files:Azure:AccountName=acct --Cairn:Files:Azure:AccountKey=c2VjcmV0", "Cairn:Files:Azure:Container must be set when Cairn:Files:Provider is azure.")]
    [InlineData("--Cairn:Files:Provider=azure --Cairn:Files:Azure:ConnectionString=AccountName=acct;AccountKey=c2VjcmV0;BlobEndpoint=not-a-url --Cairn:Files:Azure:Container=models", "Cairn:Files:Azure:ConnectionString is not a usable storage connection string (FormatException; the value is not shown).")]
    [InlineData("--Cairn:Files:Provider=s3", "Cairn:Files:S3:Bucket must be set when Cairn:Files:Provider is s3.")]
    [InlineData("--Cairn:StorageCredentials:S3:Credentials:0:Host=minio:9000", "Cairn:StorageCredentials:S3:Credentials:0:Bucket must be set.")]
    [InlineData("--Cairn:StorageCredentials:S3:Credentials:0:Bucket=models --Cairn:StorageCredentials:S3:Credentials:0:Host=http://minio:9000", "Cairn:StorageCredentials:S3:Credentials:0:Host must be a host and port such as 'minio.example.com:9000', without a scheme (got 'http://minio:9000').")]
    [InlineData("--Cairn:StorageCredentials:S3:Key=AKIAEXAMPLE", "Cairn:StorageCredentials:S3:Key and Cairn:StorageCredentials:S3:Secret must be set together.")]
    [InlineData("--Cairn:StorageCredentials:Azure:Containers:0:AccountName=acct --Cairn:StorageCredentials:Azure:Containers:0:AccountKey=not*a*key", "Cairn:StorageCredentials:Azure:Containers:0:AccountKey is not a base64 shared key (the value is not shown).")]
    [InlineData("--Cairn:Users:1:Username=bob --Cairn:Users:1:Password=short", "Cairn:Users:1:Password must be at least 8 characters long.")]
    [InlineData("--Cairn:Credentials:1:AccessKey=SOMEKEY001 --Cairn:Credentials:1:SecretKey=some-secret-0123456789 --Cairn:Credentials:1:User=nobody", "Cairn:Credentials:1:User 'nobody' must name one of Cairn:Users.")]
    public async Task An_invalid_option_stops_start_up_with_one_line_naming_it(string argument, string message)
    {
        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(argument.Split(' ')));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_reported_with_its_key()
    {
        var error = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(["--Cairn:ApiPort=eighty"]));
        Assert.Contains("Cairn:ApiPort", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Cairn_environment_variables_map_to_options()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationManager();
        CairnConfiguration.AddCairnSources(configuration, [], new Dictionary<string, string>
        {
            ["CAIRN_API_PORT"] = "9100",
            ["CAIRN_USERS__0__USERNAME"] = "alice",
            ["OTHER_API_PORT"] = "1",
        });
        Assert.Equal("9100", configuration["Cairn:ApiPort"]);
        Assert.Equal("alice", configuration["Cairn:Users:0:Username"]);
    }

    [Fact]
    public void Command_line_flags_override_environment_variables()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationManager();
        CairnConfiguration.AddCairnSources(configuration, ["--api-port", "9200", "--data-dir", "/tmp/x"], new Dictionary<string, string> { ["CAIRN_API_PORT"] = "9100" });
        Assert.Equal("9200", configuration["Cairn:ApiPort"]);
        Assert.Equal("/tmp/x", configuration["Cairn:DataDir"]);
    }

    [Fact]
    public async Task The_first_start_creates_an_admin_and_a_working_clearml_conf_once()
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-first-").FullName;
        string conf;
        await using (var server = await TestServer.StartAsync(seedUser: false, dataDir: dataDir))
        {
            conf = await File.ReadAllTextAsync(Path.Combine(dataDir, "clearml.conf"));
            Assert.Contains($"api_server: http://127.0.0.1:{server.ApiPort}", conf);
            Assert.Contains($"web_server: http://127.0.0.1:{server.WebPort}", conf);
            Assert.Contains($"files_server: http://127.0.0.1:{server.FilesPort}", conf);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "clearml.conf")));
            }
            using var client = new ApiClient(server.ApiUrl, ApiClient.Basic(ConfValue(conf, "access_key"), ConfValue(conf, "secret_key")));
            var user = (await client.CallAsync("users.get_current_user")).Ok()["user"]!;
            Assert.Equal("admin", user["role"]!.GetValue<string>());
            // The password's hash is computed ahead, beside the migration: the printed password is the one stored.
            var password = Regex.Match(conf, "# Web UI login: admin / (\\S+)").Groups[1].Value;
            using var byPassword = new ApiClient(server.ApiUrl, ApiClient.Basic("admin", password));
            Assert.Equal("admin", (await byPassword.CallAsync("users.get_current_user")).Ok()["user"]!["role"]!.GetValue<string>());
        }

        await using (var restarted = await TestServer.StartAsync(seedUser: false, dataDir: dataDir))
        {
            Assert.Equal(conf, await File.ReadAllTextAsync(Path.Combine(dataDir, "clearml.conf")));
            using var client = new ApiClient(restarted.ApiUrl, ApiClient.Basic(ConfValue(conf, "access_key"), ConfValue(conf, "secret_key")));
            Assert.Single((await client.CallAsync("auth.get_credentials")).Ok()["credentials"]!.AsArray());
        }
    }

    [Fact]
    public async Task Replicas_starting_together_on_an_empty_store_agree_on_one_key_and_one_admin()
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-race-").FullName;
        var starts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => TestServer.StartAsync(seedUser: false, dataDir: dataDir))));
        try
        {
            var conf = await File.ReadAllTextAsync(Path.Combine(dataDir, "clearml.conf"));
            foreach (var server in starts)
            {
                using var client = new ApiClient(server.ApiUrl, ApiClient.Basic(ConfValue(conf, "access_key"), ConfValue(conf, "secret_key")));
                var token = await client.LoginAsync();
                // A token from one replica is accepted by every other: they share the signing key.
                foreach (var other in starts)
                {
                    using var elsewhere = new ApiClient(other.ApiUrl, ApiClient.Bearer(token));
                    Assert.Single((await elsewhere.CallAsync("auth.get_credentials")).Ok()["credentials"]!.AsArray());
                }
            }
        }
        finally
        {
            foreach (var server in starts)
            {
                await server.DisposeAsync();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task The_web_ui_key_ring_is_created_by_the_first_page_not_at_start()
    {
        // Start-up answers the API without the UI's data protection (its key ring, XML, key
        // generation); the first page that needs it creates the key, and sign-in works with it.
        await using var server = await TestServer.StartAsync();
        var keys = server.Service<Cairn.Core.Storage.IMetadataStore>().DataProtectionKeys;
        (await server.Client().CallAsync("projects.get_all", new { })).Ok();
        Assert.Empty(await keys.GetAllAsync());

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var login = await http.GetAsync($"http://127.0.0.1:{server.WebPort}/login");
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
        Assert.Single(await keys.GetAllAsync());
    }

    [Fact]
    public async Task Single_port_mode_serves_the_api_under_api_and_files_under_files()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:SinglePort=true"]);
        using var client = new ApiClient(new Uri($"http://127.0.0.1:{server.WebPort}/api/"), ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));
        (await client.CallAsync("v2.23/projects.get_all", new { })).Ok();
        using var http = new HttpClient();
        Assert.Equal("OK", await http.GetStringAsync($"http://127.0.0.1:{server.WebPort}/files/"));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"http://127.0.0.1:{server.ApiPort}/debug.ping"));
    }

    [Fact]
    public async Task The_server_binary_exits_with_one_line_for_a_bad_option()
    {
        var (exitCode, _, stderr) = await RunServerBinaryAsync(["--api-port", "0"], Directory.CreateTempSubdirectory("cairn-bad-").FullName, TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Equal("cairn: Cairn:ApiPort must be between 1 and 65535 (got 0).", stderr.Trim());
    }

    [Fact]
    public async Task The_server_binary_with_no_options_serves_clearml_ports_with_data_under_the_working_directory()
    {
        // The README's first command: no configuration at all. Ports 8008/8080/8081 must be free.
        var workDir = Directory.CreateTempSubdirectory("cairn-default-").FullName;
        var server = Process.Start(ServerStartInfo([], workDir))!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string? conf = null;
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    if ((await http.GetAsync("http://127.0.0.1:8008/debug.ping")).IsSuccessStatusCode)
                    {
                        conf = await File.ReadAllTextAsync(Path.Combine(workDir, "data", "clearml.conf"));
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                if (server.HasExited)
                {
                    Assert.Fail("the server exited: " + await server.StandardError.ReadToEndAsync());
                }
                await Task.Delay(100);
            }
            Assert.NotNull(conf);
            Assert.True(File.Exists(Path.Combine(workDir, "data", "cairn.db")));
            using var client = new ApiClient(new Uri("http://127.0.0.1:8008/"), ApiClient.Basic(ConfValue(conf, "access_key"), ConfValue(conf, "secret_key")));
            Assert.Equal(3, (await client.CallAsync("auth.login")).Ok()["token"]!.GetValue<string>().Split('.').Length);
            // The short timeout is for polling; a busy machine may take longer for a first page render.
            using var pages = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            Assert.Equal("OK", await pages.GetStringAsync("http://127.0.0.1:8081/"));
            Assert.Contains("Cairn", await pages.GetStringAsync("http://127.0.0.1:8080/"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static string ConfValue(string conf, string key) =>
        Regex.Match(conf, $"\"{key}\" = \"([^\"]+)\"").Groups[1].Value;

    private static ProcessStartInfo ServerStartInfo(IEnumerable<string> args, string workDir)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cairn.Server.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunServerBinaryAsync(string[] args, string workDir, TimeSpan timeout)
    {
        using var process = Process.Start(ServerStartInfo(args, workDir))!;
        using var cancel = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
