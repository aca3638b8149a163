using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Cairn.Server.Tests.Files;
using Cairn.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// A real server process killed with SIGKILL under concurrent writers, then restarted on the same
/// data: every acknowledged write is there, no partial file is visible, and the database passes
/// its integrity check.
/// </summary>
public sealed class CrashTests
{
    /// <summary>The server as its own process (the build next to the tests), on its own ports and data.</summary>
    private sealed class ServerProcess(string dataDir, int apiPort, int filesPort) : IDisposable
    {
        private Process? _process;

        public Uri ApiUrl { get; } = new($"http://127.0.0.1:{apiPort}/");

        public Uri FilesUrl { get; } = new($"http://127.0.0.1:{filesPort}/");

        public async Task StartAsync()
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cairn.Server.dll"));
            foreach (var arg in new[]
            {
                $"--Cairn:DataDir={dataDir}", $"--Cairn:ApiPort={apiPort}", $"--Cairn:FilesPort={filesPort}", $"--Cairn:WebPort={TestServer.FreePort()}",
                $"--Cairn:JwtSigningKey={TestServer.SigningKey}", "--Logging:LogLevel:Default=Warning",
                $"--Cairn:Users:0:Username={TestServer.Username}", $"--Cairn:Users:0:Password={TestServer.Password}",
                $"--Cairn:Credentials:0:AccessKey={TestServer.AccessKey}", $"--Cairn:Credentials:0:SecretKey={TestServer.SecretKey}",
                $"--Cairn:Credentials:0:User={TestServer.Username}",
            })
            {
                info.ArgumentList.Add(arg);
            }
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            using var http = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                Assert.False(_process.HasExited, $"the server exited with {(_process.HasExited ? _process.ExitCode : 0)}");
                try
                {
                    if ((await http.GetAsync("debug.ping")).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                Assert.True(DateTime.UtcNow < deadline, "the server did not answer within two minutes");
                await Task.Delay(100);
            }
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            _process!.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (_process is { HasExited: false })
            {
                Kill();
            }
            _process?.Dispose();
        }
    }

    [Fact]
    public async Task Every_acknowledged_write_survives_a_sigkill_no_partial_file_is_visible_and_the_database_is_intact()
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-crash-").FullName;
        try
        {
            var ports = TestServer.FreePorts(2);
            using (var server = new ServerProcess(dataDir, ports[0], ports[1]))
            {
                await server.StartAsync();
                var (models, files, attempted) = await WriteUntilKilledAsync(server);
                Assert.True(models.Count >= 50, $"only {models.Count} models were acknowledged before the kill");
                Assert.True(files.Count >= 5, $"only {files.Count} files were acknowledged before the kill");

                await server.StartAsync();
                using var client = new ApiClient(server.ApiUrl, ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));
                foreach (var id in models)
                {
                    (await client.CallAsync("models.get_by_id", new { model = id })).Ok();
                }
                using var fileClient = new FilesClient(server.FilesUrl, await client.LoginAsync());
                foreach (var (path, sha) in files)
                {
                    using var response = await fileClient.GetAsync(path);
                    Assert.True(response.IsSuccessStatusCode, $"acknowledged file {path} is missing: {(int)response.StatusCode}");
                    Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync())));
                }
                // Whatever is visible under the root is a whole upload, never part of one.
                var root = Path.Combine(dataDir, "files");
                foreach (var visible in FilesClient.FilesUnder(root).Where(f => !f.StartsWith(".cairn-uploads/", StringComparison.Ordinal)))
                {
                    var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(root, visible))));
                    Assert.True(attempted.TryGetValue(visible, out var sent) && sent == sha, $"{visible} is not a whole upload");
                }
            }

            SqliteConnection.ClearAllPools();
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cairn.db")};Pooling=False");
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string)(await check.ExecuteScalarAsync())!);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Four model writers and two uploaders run until enough is acknowledged, then the server is
    /// killed mid-flight. Returns what was acknowledged and the hash of every upload attempted per path.
    /// </summary>
    private static async Task<(List<string> Models, List<(string Path, string Sha)> Files, ConcurrentDictionary<string, string> Attempted)> WriteUntilKilledAsync(ServerProcess server)
    {
        var models = new ConcurrentBag<string>();
        var files = new ConcurrentBag<(string, string)>();
        var attempted = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        using var login = new ApiClient(server.ApiUrl, ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey));
        var token = await login.LoginAsync();

        async Task ModelWriterAsync(int writer)
        {
            using var client = new ApiClient(server.ApiUrl, ApiClient.Bearer(token));
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var response = await client.CallAsync("models.create", new { name = $"crash {writer}-{i}", uri = "s3://b/m.bin", metadata = new { k = new { value = $"{i}", type = "int" } } });
                    if (response.Status == 200)
                    {
                        models.Add(response.Data["id"]!.GetValue<string>());
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException)
                {
                    return; // the server is gone
                }
            }
        }

        async Task UploaderAsync(int uploader)
        {
            using var http = new HttpClient { BaseAddress = server.FilesUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var path = $"crash/{uploader}/{i}.bin";
                var bytes = RandomNumberGenerator.GetBytes(1024 * 1024 * (1 + (i % 4)));
                attempted[path] = Convert.ToHexStringLower(SHA256.HashData(bytes));
                try
                {
                    using var response = await http.PostAsync("", FilesClient.SdkUpload(path, bytes));
                    if (response.IsSuccessStatusCode)
                    {
                        files.Add((path, attempted[path]));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    return;
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(ModelWriterAsync).Concat(Enumerable.Range(0, 2).Select(UploaderAsync)).ToList();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((models.Count < 200 || files.Count < 10) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        server.Kill();
        stop.Cancel();
        await Task.WhenAll(writers);
        return ([.. models], [.. files], attempted);
    }
}
