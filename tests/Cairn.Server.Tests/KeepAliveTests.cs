using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>
/// Connections at the byte level, on raw sockets: kept-alive calls with GET bodies of the shapes
/// the Python SDK sends, pipelined, each answered by its own call; and the ClearML Python stack's
/// connections closed after every answer, as ClearML's servers do, because the SDK forks with its
/// pooled connections and parent and child then write to one socket at once.
/// </summary>
public sealed class KeepAliveTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MissingModel = "7c386532d8cb4c249fdb78867cdde886";
    private const string MissingTask = "98cac4e500fb431db6953fd3eb69c7a7";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestServer _server = fixture.Server;

    /// <summary>Calls and the result each must get: the shapes of the calls seen read as one another's bodies.</summary>
    private static readonly (string Endpoint, string Body, int Code, int Subcode)[] Calls =
    [
        ("models.get_by_id", $$"""{"model": "{{MissingModel}}"}""", 400, 201),
        ("tasks.edit", $$$"""{"task": "{{{MissingTask}}}", "force": true, "runtime": {"CLEARML VERSION": "clearml-1.17.0", "progress": "0", "platform": "linux", "cpu_cores": 2}}""", 400, 101),
        ("tasks.get_by_id", $$"""{"task": "{{MissingTask}}"}""", 400, 101),
        ("projects.get_all", """{"page": 0, "page_size": 1, "only_fields": ["id"]}""", 200, 0),
        ("users.get_current_user", "", 200, 0),
        ("models.get_by_id", $$"""{"model": "{{MissingModel}}"}""", 400, 201),
    ];

    [Fact]
    public async Task Pipelined_kept_alive_calls_with_get_bodies_are_each_answered_by_their_own_call()
    {
        using var connection = await RawConnection.OpenAsync(_server.ApiPort);
        var headers = new[] { ("X-ClearML-Client", "cairn-dotnet-test") };
        // Three rounds of all the calls in one write, then each call's headers and body in two
        // writes, as http.client sends them.
        var all = Calls.SelectMany(c => Request(c.Endpoint, c.Body, headers)).ToArray();
        for (var round = 0; round < 3; round++)
        {
            await connection.WriteAsync(all);
        }
        foreach (var (endpoint, body, _, _) in Calls)
        {
            var request = Request(endpoint, body, headers);
            var split = request.Length - Encoding.UTF8.GetByteCount(body);
            await connection.WriteAsync(request[..split]);
            await connection.WriteAsync(request[split..]);
        }

        for (var i = 0; i < 4 * Calls.Length; i++)
        {
            var expected = Calls[i % Calls.Length];
            var response = await connection.ReadResponseAsync();
            var meta = response.Json["meta"]!;
            Assert.Equal(
                (expected.Endpoint, expected.Code, expected.Subcode),
                (meta["endpoint"]!["name"]!.GetValue<string>(), meta["result_code"]!.GetValue<int>(), meta["result_subcode"]!.GetValue<int>()));
            Assert.DoesNotContain("close", response.Connection, StringComparison.OrdinalIgnoreCase);
        }
        await connection.WriteAsync(Request("users.get_current_user", "", headers));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("X-ClearML-Client", "clearml-1.17.0")]
    [InlineData("X-Trains-Client", "trains-0.16.4")]
    [InlineData("User-Agent", "python-requests/2.28.1")]
    public async Task The_clearml_python_stack_is_answered_with_connection_close_and_the_connection_ends(string header, string value)
    {
        using var connection = await RawConnection.OpenAsync(_server.ApiPort);
        // Pipelined: the second call is never answered, the server closes after the first.
        var request = Request("models.get_by_id", $$"""{"model": "{{MissingModel}}"}""", [(header, value)]);
        await connection.WriteAsync([.. request, .. request]);

        var response = await connection.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.Equal("models.get_by_id", response.Json["meta"]!["endpoint"]!["name"]!.GetValue<string>());
        Assert.Equal("close", response.Connection);
        Assert.True(await connection.EndsAsync(), "the server kept the connection open");
    }

    [Fact]
    public async Task The_sdk_storage_helper_is_answered_with_connection_close_by_the_file_server()
    {
        using var connection = await RawConnection.OpenAsync(_server.FilesPort);
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /no/such/file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: python-requests/2.28.1\r\nConnection: keep-alive\r\n\r\n"));

        // Without a token: what is answered matters less here than the connection.
        var response = await connection.ReadResponseAsync(json: false);
        Assert.Equal(401, response.Status);
        Assert.Equal("close", response.Connection);
        Assert.True(await connection.EndsAsync(), "the file server kept the connection open");
    }

    private static byte[] Request(string endpoint, string body, IEnumerable<(string Name, string Value)> headers)
    {
        var auth = ApiClient.Basic(TestServer.AccessKey, TestServer.SecretKey).ToString();
        var text = new StringBuilder()
            .Append($"GET /v2.23/{endpoint} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nConnection: keep-alive\r\n")
            .Append($"Authorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append($"{name}: {value}\r\n");
        }
        return Encoding.UTF8.GetBytes(text.Append("\r\n").Append(body).ToString());
    }

    private sealed record RawResponse(int Status, string Connection, JsonObject Json);

    /// <summary>One TCP connection, read by hand: status line, headers, and a body by Content-Length or chunks.</summary>
    private sealed class RawConnection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly List<byte> _buffer = [];

        private RawConnection(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<RawConnection> OpenAsync(int port)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync("127.0.0.1", port);
            return new RawConnection(client);
        }

        public async Task WriteAsync(byte[] bytes)
        {
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }

        public async Task<RawResponse> ReadResponseAsync(bool json = true)
        {
            using var timeout = new CancellationTokenSource(Patience);
            var head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray(), timeout.Token));
            var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            byte[] body;
            if (headers.TryGetValue("Content-Length", out var length))
            {
                body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), timeout.Token);
            }
            else
            {
                Assert.Equal("chunked", headers.GetValueOrDefault("Transfer-Encoding"));
                var chunks = new List<byte>();
                while (true)
                {
                    var size = Convert.ToInt32(Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray(), timeout.Token)).Split(';')[0].Trim(), 16);
                    chunks.AddRange(await ReadExactlyAsync(size, timeout.Token));
                    await ReadExactlyAsync(2, timeout.Token);
                    if (size == 0)
                    {
                        break;
                    }
                }
                body = [.. chunks];
            }
            return new RawResponse(status, headers.GetValueOrDefault("Connection", ""), json ? JsonNode.Parse(body)!.AsObject() : []);
        }

        /// <summary>True when the server closes the connection (nothing more arrives) within the patience.</summary>
        public async Task<bool> EndsAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            var chunk = new byte[4096];
            try
            {
                return _buffer.Count == 0 && await _stream.ReadAsync(chunk, timeout.Token) == 0;
            }
            catch (IOException)
            {
                return true; // reset by the server
            }
        }

        private async Task<byte[]> ReadUntilAsync(byte[] end, CancellationToken cancellationToken)
        {
            while (true)
            {
                var at = IndexOf(end);
                if (at >= 0)
                {
                    var taken = _buffer.GetRange(0, at).ToArray();
                    _buffer.RemoveRange(0, at + end.Length);
                    return taken;
                }
                await FillAsync(cancellationToken);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            while (_buffer.Count < count)
            {
                await FillAsync(cancellationToken);
            }
            var taken = _buffer.GetRange(0, count).ToArray();
            _buffer.RemoveRange(0, count);
            return taken;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            var chunk = new byte[16 * 1024];
            var read = await _stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The server closed the connection in the middle of an answer.");
            }
            _buffer.AddRange(chunk.AsSpan(0, read));
        }

        private int IndexOf(byte[] value) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer).IndexOf(value);

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
    }
}
