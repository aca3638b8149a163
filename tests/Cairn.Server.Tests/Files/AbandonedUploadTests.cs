using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>
/// Temporary files of uploads whose server was killed are removed periodically, by any replica
/// sharing the files root, while a live upload keeps its file however long it idles.
/// </summary>
public sealed class AbandonedUploadTests
{
    private const int Piece = 256 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_killed_replicas_upload_is_removed_while_a_slow_live_upload_keeps_its_file_and_completes()
    {
        var root = Directory.CreateTempSubdirectory("cairn-shared-files-").FullName;
        var uploads = Path.Combine(root, ".cairn-uploads");
        try
        {
            await using var server = await TestServer.StartAsync(
            [
                $"--Cairn:FilesRoot={root}", "--Cairn:FilesAuth=false", "--Cairn:AbandonedUploadAgeSeconds=2",
                "--Cairn:AbandonedUploadIntervalSeconds=1", "--Cairn:UploadIdleTimeoutSeconds=600",
            ]);
            var path = FilesClient.Unique("slow.bin");
            var bytes = RandomNumberGenerator.GetBytes(8 * Piece);

            // The live upload: its first 1 MiB, then nothing for longer than the abandonment age
            // (Kestrel's minimum data rate, 240 B/s over the whole body, allows over an hour of it).
            using var live = await RawUpload.StartAsync(server.FilesPort, path, bytes.Length);
            await live.SendAsync(bytes.AsMemory(0, 4 * Piece));
            var liveFile = await WaitForNewPartAsync(uploads, []);

            // Another replica on the same root, killed in the middle of an upload.
            var replica = await ServerProcess.StartAsync([$"--Cairn:FilesRoot={root}", "--Cairn:FilesAuth=false"]);
            string killedFile;
            using (var cut = await RawUpload.StartAsync(replica.FilesPort, FilesClient.Unique("cut.bin"), bytes.Length))
            {
                await cut.SendAsync(bytes.AsMemory(0, 64 * 1024));
                killedFile = await WaitForNewPartAsync(uploads, [liveFile]);
                // SIGKILL while the upload is open: no clean-up of its own runs.
                await replica.DisposeAsync();
            }

            await WaitUntilAsync(() => !File.Exists(killedFile), "the killed replica's temporary file was not removed");
            // The live file is now older than the abandonment age; a pass that runs after that
            // (it removes a second, planted leftover) must still leave it.
            await WaitUntilAsync(() => DateTime.UtcNow - File.GetLastWriteTimeUtc(liveFile) > TimeSpan.FromSeconds(3), "the live file's last write did not age");
            var planted = Path.Combine(uploads, $"{Guid.NewGuid():N}.part");
            await File.WriteAllBytesAsync(planted, [1, 2, 3]);
            File.SetLastWriteTimeUtc(planted, DateTime.UtcNow.AddHours(-1));
            await WaitUntilAsync(() => !File.Exists(planted), "the planted leftover was not removed");
            Assert.True(File.Exists(liveFile), "a live upload's temporary file was removed");

            // The rest, slowly, then the upload completes whole.
            for (var offset = 4 * Piece; offset < bytes.Length; offset += Piece)
            {
                await live.SendAsync(bytes.AsMemory(offset, Piece));
                // The reader holds back a delimiter's length (it could be the boundary's start).
                await WaitUntilAsync(() => new FileInfo(liveFile) is { Exists: true } f && f.Length >= offset + Piece - 64, "the server did not write the piece");
            }
            Assert.Equal(200, await live.FinishAsync());
            using var files = new FilesClient(FilesClient.FilesUrl(server), token: null);
            using var download = await files.GetAsync(FilesClient.Encode(path));
            Assert.Equal(FilesClient.Sha256(bytes), FilesClient.Sha256(await download.Content.ReadAsByteArrayAsync()));
            Assert.False(File.Exists(liveFile));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task An_upload_that_stops_sending_past_the_idle_timeout_is_400_and_leaves_no_file()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:FilesAuth=false", "--Cairn:UploadIdleTimeoutSeconds=1"]);
        var uploads = Path.Combine(server.DataDir, "files", ".cairn-uploads");
        var path = FilesClient.Unique("stalled.bin");
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);

        using var stalled = await RawUpload.StartAsync(server.FilesPort, path, bytes.Length * 2);
        await stalled.SendAsync(bytes);
        var status = await stalled.ReadStatusAsync();

        Assert.Equal(400, status);
        Assert.Contains("UploadIdleTimeoutSeconds", stalled.Response, StringComparison.Ordinal);
        Assert.Empty(FilesClient.FilesUnder(uploads));
        Assert.False(File.Exists(Path.Combine(server.DataDir, "files", path)));
    }

    private static async Task<string> WaitForNewPartAsync(string uploads, string[] known)
    {
        string? found = null;
        await WaitUntilAsync(() =>
        {
            found = Directory.Exists(uploads)
                ? Directory.EnumerateFiles(uploads, "*.part").FirstOrDefault(f => !known.Contains(f) && new FileInfo(f).Length > 0)
                : null;
            return found is not null;
        }, "no temporary upload file appeared");
        return found!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(50);
        }
    }

    /// <summary>One SDK-shaped upload written by hand over a socket, so its bytes can be paced.</summary>
    private sealed class RawUpload : IDisposable
    {
        private const string Boundary = "cairn-slow-boundary";
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly byte[] _tail = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");

        private RawUpload(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public string Response { get; private set; } = "";

        public static async Task<RawUpload> StartAsync(int port, string path, int length)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var upload = new RawUpload(tcp);
            var head = Encoding.ASCII.GetBytes(
                $"--{Boundary}\r\nContent-Disposition: form-data; name=\"/{path}\"; filename=\"/{path}\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            var total = head.Length + length + upload._tail.Length;
            await upload._stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"));
            await upload._stream.WriteAsync(head);
            return upload;
        }

        public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

        public async Task<int> FinishAsync()
        {
            await _stream.WriteAsync(_tail);
            return await ReadStatusAsync();
        }

        public async Task<int> ReadStatusAsync()
        {
            using var reader = new StreamReader(_stream, Encoding.ASCII, leaveOpen: true);
            Response = await reader.ReadToEndAsync();
            return int.Parse(Response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Dispose() => _tcp.Dispose();
    }
}
