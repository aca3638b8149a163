using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cairn.Bench;

/// <summary>
/// The least an HTTP server can do, so that <c>curl</c> against it is the floor of a transfer
/// through any server on this machine: a request body is received into one 1 MiB buffer and
/// dropped; a GET answers with one file sent by the kernel (<c>sendfile</c>). No parsing beyond
/// the request line, <c>Content-Length</c> and <c>Expect</c>; one request per connection.
/// </summary>
internal sealed class CurlFloorServer : IAsyncDisposable
{
    private const int ReceiveBufferSize = 1024 * 1024;
    private const int MaxHeaderBytes = 64 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _file;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public CurlFloorServer(string file)
    {
        _file = file;
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            // One transfer at a time is all the benchmark makes; a failure is curl's to report.
            _ = ServeAsync(socket, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            try
            {
                var buffer = new byte[ReceiveBufferSize];
                var (head, bodyStart, received) = await ReadHeadAsync(socket, buffer, cancellationToken).ConfigureAwait(false);
                var lines = head.Split("\r\n");
                var method = lines[0].Split(' ')[0];
                var headers = lines.Skip(1)
                    .Select(l => l.Split(':', 2))
                    .Where(p => p.Length == 2)
                    .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                if (method is "POST" or "PUT")
                {
                    if (headers.TryGetValue("Expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
                    {
                        await socket.SendAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    }
                    var remaining = long.Parse(headers["Content-Length"], CultureInfo.InvariantCulture) - (received - bodyStart);
                    while (remaining > 0)
                    {
                        var read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            return;
                        }
                        remaining -= read;
                    }
                    await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var length = new FileInfo(_file).Length;
                    var status = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"));
                    await socket.SendFileAsync(_file, status, ReadOnlyMemory<byte>.Empty, TransmitFileOptions.UseDefaultWorkerThread, cancellationToken).ConfigureAwait(false);
                }
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
            }
        }
    }

    /// <summary>Reads until the blank line after the headers; returns them, where the body starts in the buffer, and how much was read.</summary>
    private static async Task<(string Head, int BodyStart, int Received)> ReadHeadAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var received = 0;
        while (received < MaxHeaderBytes)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received, MaxHeaderBytes - received), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            received += read;
            var end = buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(buffer, 0, end), end + 4, received);
            }
        }
        throw new IOException("The request ended before its headers did.");
    }
}
