using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Operations;

/// <summary>
/// <c>Logging:Console:FormatterName=json</c> on the real server binary: its console output is one
/// JSON object per line, and a line logged during a call carries the transaction id in its scopes.
/// (A process of its own: the console is process-global.)
/// </summary>
public sealed class JsonLogFormatTests
{
    [Fact]
    public async Task The_json_console_format_writes_one_object_per_line_with_the_transaction_id_scope()
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-jsonlog-").FullName;
        var ports = TestServer.FreePorts(3);
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = dataDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Cairn.Server.dll"),
            $"--Cairn:DataDir={dataDir}", $"--Cairn:ApiPort={ports[0]}", $"--Cairn:WebPort={ports[1]}", $"--Cairn:FilesPort={ports[2]}",
            $"--Cairn:JwtSigningKey={TestServer.SigningKey}",
            "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Cairn=Debug",
            // A configured user: the first-start snippet (plain text on stdout) is for an empty store only.
            $"--Cairn:Users:0:Username={TestServer.Username}", $"--Cairn:Users:0:Password={TestServer.Password}",
            $"--Cairn:Credentials:0:AccessKey={TestServer.AccessKey}", $"--Cairn:Credentials:0:SecretKey={TestServer.SecretKey}",
            $"--Cairn:Credentials:0:User={TestServer.Username}",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var lines = new ConcurrentQueue<string>();
        using var server = Process.Start(info)!;
        server.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                lines.Enqueue(e.Data);
            }
        };
        server.BeginOutputReadLine();
        // Drained too, so a full stderr pipe can never block the server.
        var errors = new ConcurrentQueue<string>();
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        server.BeginErrorReadLine();
        try
        {
            var trx = "jsonlog-" + Guid.NewGuid().ToString("N");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(90);
            JsonObject? logged = null;
            while (logged is null)
            {
                if (server.HasExited)
                {
                    Assert.Fail("the server exited: " + string.Join('\n', errors));
                }
                Assert.True(DateTime.UtcNow < deadline, "no JSON line with the transaction id; stdout:\n" + string.Join('\n', lines));
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{ports[0]}/debug.ping") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                    request.Headers.Add(ClearmlHeaders.Prefix + ClearmlHeaders.Trx, trx);
                    using var _ = await http.SendAsync(request);
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Busy machine: ask again.
                }
                logged = lines.Select(TryParse)
                    .FirstOrDefault(o => o?["Scopes"] is JsonArray scopes && scopes.OfType<JsonObject>().Any(s => s["TransactionId"]?.GetValue<string>() == trx));
                if (logged is null)
                {
                    await Task.Delay(200);
                }
            }
            Assert.Equal("Debug", logged["LogLevel"]!.GetValue<string>());
            Assert.Contains("debug.ping", logged["Message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.All(lines, l => Assert.True(TryParse(l) is not null, "not a JSON object: " + l));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only leaves a temp directory behind.
            }
        }
    }

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
