using System.Security.Cryptography;
using System.Text;
using Cairn.Configuration;
using Cairn.Storage;
using Cairn.Tests.Session;
using Xunit;

namespace Cairn.Tests.Storage;

/// <summary>
/// File transfers against a server that misbehaves in ways the real one cannot be made to: one
/// that reports no hash of what it stored (as ClearML's file server), one whose downloads stall.
/// </summary>
public sealed class TransferTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private ClearMLSettings SettingsFor(FakeServer server, TimeSpan? idle = null) => new()
    {
        ApiHost = server.Url,
        FilesHost = server.Url,
        AccessKey = "key",
        SecretKey = "secret",
        CacheDirectory = Path.Combine(_temp.Path, "cache"),
        RetryDeadline = TimeSpan.FromSeconds(20),
        TransferIdleTimeout = idle ?? TimeSpan.FromMinutes(2),
    };

    [Fact]
    public async Task Upload_parts_carry_the_content_type_of_their_extension_and_binary_octet_stream_when_it_gives_no_guess()
    {
        await using var server = await FakeServer.StartAsync();
        var (session, storage) = StorageTestKit.Open(SettingsFor(server));
        await using var _ = session;
        using var __ = storage;

        foreach (var name in new[] { "config.json", "weights.bin", "weights.pt", "weights" })
        {
            var local = StorageTestKit.RandomFile(_temp.Path, name, 1000);
            await storage.UploadFileAsync(local, new Uri(server.Url, $"project/run.{StorageTestKit.NewTaskId()}/models/{name}").AbsoluteUri);
        }

        var types = server.Posts.Select(p => PartContentType(p.Body)).ToList();
        Assert.Equal(["application/json", "application/octet-stream", "binary/octet-stream", "binary/octet-stream"], types);
        Assert.All(server.Posts, p => Assert.StartsWith("multipart/form-data; boundary=", p.ContentType, StringComparison.Ordinal));
        // Like curl's, the body has a length up front: not chunked.
        var uploads = server.Requests.Where(r => r.Path == "/").ToList();
        Assert.Equal(4, uploads.Count);
        Assert.All(uploads, r => Assert.False(r.Headers.ContainsKey("Transfer-Encoding")));
        Assert.Equal([.. server.Posts.Select(p => p.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))], uploads.Select(r => r.Headers["Content-Length"]));
    }

    [Fact]
    public async Task A_server_that_reports_no_hash_still_gets_the_sha256_of_the_file_recorded()
    {
        await using var server = await FakeServer.StartAsync();
        var (session, storage) = StorageTestKit.Open(SettingsFor(server));
        await using var _ = session;
        using var __ = storage;
        var local = StorageTestKit.RandomFile(_temp.Path, "model.pt", 3 * 1024 * 1024 + 5);
        var url = new Uri(server.Url, "p/model.pt").AbsoluteUri;

        // The first upload learns the server reports no hash; the second hashes while sending.
        var first = await storage.UploadFileAsync(local, url);
        var second = await storage.UploadFileAsync(local, url);

        Assert.Equal(StorageTestKit.Sha256(local), first.Sha256);
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(new FileInfo(local).Length, second.Size);
    }

    [Fact]
    public async Task A_download_that_stops_moving_is_abandoned_after_the_idle_timeout_and_retried()
    {
        await using var server = await FakeServer.StartAsync();
        server.Download = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        server.StalledDownloads = 1;
        var (session, storage) = StorageTestKit.Open(SettingsFor(server, idle: TimeSpan.FromMilliseconds(500)));
        await using var _ = session;
        using var __ = storage;
        // Without the idle timeout the first attempt would hang until this guard cancels it.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var copy = await storage.GetLocalCopyAsync(new Uri(server.Url, "p/stalled.bin").AbsoluteUri, cancellationToken: guard.Token);

        Assert.Equal(server.Download, File.ReadAllBytes(copy));
        Assert.Equal(2, server.Calls);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(copy)!, "*.partial"));
    }

    [Fact]
    public async Task A_download_that_keeps_stalling_fails_with_the_stall_once_the_retry_deadline_passes()
    {
        await using var server = await FakeServer.StartAsync();
        server.Download = RandomNumberGenerator.GetBytes(1024 * 1024);
        server.StalledDownloads = int.MaxValue;
        var settings = SettingsFor(server, idle: TimeSpan.FromMilliseconds(300)) with { RetryDeadline = TimeSpan.FromSeconds(2) };
        var (session, storage) = StorageTestKit.Open(settings);
        await using var _ = session;
        using var __ = storage;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var target = Path.Combine(_temp.Path, "out", "stalled.bin");

        var e = await Assert.ThrowsAsync<TransferStalledException>(() =>
            storage.DownloadFileAsync(new Uri(server.Url, "p/stalled.bin").AbsoluteUri, target, cancellationToken: guard.Token));

        Assert.Equal(512 * 1024, e.BytesMoved);
        Assert.True(server.Calls >= 2, $"the stalled download was tried {server.Calls} time(s)");
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    /// <summary>The Content-Type header of the (single) part of a multipart body.</summary>
    private static string PartContentType(byte[] body)
    {
        var text = Encoding.Latin1.GetString(body);
        var headers = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        return headers.Split("\r\n").Single(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))["Content-Type:".Length..].Trim();
    }
}
