using System.Net.Sockets;
using System.Text;
using Cairn.Protocol;
using Cairn.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Cairn.Server.Tests.Operations;

/// <summary>What the server logs about API calls: the transaction id's scope and a client that goes away.</summary>
public sealed class RequestLoggingTests : IAsyncLifetime
{
    private readonly LogCapture _logs = new();

    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(["--Logging:LogLevel:Cairn=Debug", "--Logging:LogLevel:Microsoft.AspNetCore.Hosting=Information"], builder => builder.Logging.AddProvider(_logs));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_line_logged_during_a_call_carries_the_transaction_id_the_client_sent()
    {
        using var http = new HttpClient { BaseAddress = _server.ApiUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "debug.ping") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add(ClearmlHeaders.Prefix + ClearmlHeaders.Trx, "trx-from-the-client-0001");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();

        var line = await _logs.WaitForAsync(l => l.Scope.TryGetValue("@Endpoint", out var e) && Equals(e, "debug.ping"));
        Assert.Equal("trx-from-the-client-0001", line.Scope["TransactionId"]);
        Assert.Equal(200, line.Scope["@ResultCode"]);
    }

    [Fact]
    public async Task A_call_without_a_transaction_id_is_logged_under_the_one_its_envelope_carries()
    {
        using var client = _server.Client(authenticated: false);
        var envelope = await client.CallAsync("debug.ping");
        var trx = envelope.Meta["trx"]!.GetValue<string>();

        var line = await _logs.WaitForAsync(l => l.Scope.TryGetValue("TransactionId", out var t) && Equals(t, trx));
        Assert.Equal("debug.ping", line.Scope["@Endpoint"]);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_body_is_logged_at_debug_and_not_as_an_error()
    {
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync("127.0.0.1", _server.ApiPort);
            var stream = socket.GetStream();
            // Promises 100,000 bytes, sends a few, and once the server is in the call resets the connection.
            var marker = Guid.NewGuid().ToString("N");
            var head = $"POST /debug.ping?{marker} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"a\": \"";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.FlushAsync();
            await _logs.WaitForAsync(l => l.Message.Contains("Request starting", StringComparison.Ordinal) && l.Message.Contains(marker, StringComparison.Ordinal));
            socket.Client.LingerState = new LingerOption(true, 0);
        }

        // Usually the reset cancels the call ("The client went away"); on a loaded machine Kestrel can
        // first report the truncated body, which becomes a 400 nobody reads. Either way: one Debug line.
        var gone = await _logs.WaitForAsync(l => l.Category.EndsWith(".ApiDispatcher", StringComparison.Ordinal)
            && (l.Message.StartsWith("The client went away", StringComparison.Ordinal) || l.Message.StartsWith("debug.ping answered 400", StringComparison.Ordinal)));
        Assert.Equal(LogLevel.Debug, gone.Level);
        Assert.Equal("debug.ping", gone.Scope["@Endpoint"]);
        Assert.Contains("TransactionId", gone.Scope.Keys);
        // Neither the dispatcher nor Kestrel ("unhandled exception") calls it an error.
        Assert.DoesNotContain(_logs.Lines, l => l.Level >= LogLevel.Error);
        Assert.DoesNotContain(_logs.Lines, l => l.Level >= LogLevel.Warning && l.Scope.ContainsKey("TransactionId"));
    }
}
