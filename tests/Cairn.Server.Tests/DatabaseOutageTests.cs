using System.Net;
using System.Net.Sockets;
using Cairn.Testing;
using Npgsql;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>
/// A database that goes away mid-run: the server answers 503 in ClearML's envelope (which the
/// SDKs retry), not a 500 and not a hang, and serves again by itself once the database is back.
/// The server talks to the real PostgreSQL through a TCP forwarder the test cuts and restores
/// (the network between replica and database failing, or the database restarting).
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task Calls_while_PostgreSQL_is_unreachable_get_503_and_the_server_recovers_when_it_returns()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var target = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionStringFor(database));
        await using var link = new TcpForwarder(target.Host!, target.Port);
        var viaLink = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Host = "127.0.0.1", Port = link.Port, Timeout = 5 };
        try
        {
            await using var server = await TestServer.StartAsync(
                ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={viaLink.ConnectionString}"]);
            using var client = server.Client();
            (await client.CallAsync("projects.create", new { name = "before the outage", description = "" })).Ok();
            using var bearer = server.Client();
            await bearer.LoginAsync();

            link.Cut();
            var basic = await client.CallAsync("projects.get_all", new { });
            var withToken = await bearer.CallAsync("projects.get_all", new { });

            foreach (var response in new[] { basic, withToken })
            {
                Assert.Equal(503, response.Status);
                Assert.Equal(503, response.Code);
                Assert.StartsWith("Service unavailable (the PostgreSQL database 127.0.0.1:", response.Message, StringComparison.Ordinal);
                Assert.Contains("try again", response.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(target.Password ?? "no password set", response.Message, StringComparison.Ordinal);
                Assert.Equal("1", response.Http.Headers.RetryAfter?.ToString());
            }

            link.Restore();
            var projects = (await client.CallAsync("projects.get_all", new { })).Ok()["projects"]!.AsArray();
            Assert.Contains(projects, p => p!["name"]!.GetValue<string>() == "before the outage");
            (await bearer.CallAsync("projects.get_all", new { })).Ok();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>Forwards loopback connections to the database; <see cref="Cut"/> drops them all and refuses new ones.</summary>
    private sealed class TcpForwarder : IAsyncDisposable
    {
        private readonly string _host;
        private readonly int _targetPort;
        private readonly List<TcpClient> _open = [];
        private TcpListener _listener;
        private CancellationTokenSource _accepting = new();

        public TcpForwarder(string host, int targetPort)
        {
            (_host, _targetPort) = (host, targetPort);
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync(_listener, _accepting.Token);
        }

        public int Port { get; }

        /// <summary>Stops listening and resets every forwarded connection.</summary>
        public void Cut()
        {
            _accepting.Cancel();
            _listener.Stop();
            lock (_open)
            {
                foreach (var client in _open)
                {
                    // A reset, not a goodbye: the server side sees the connection break mid-use.
                    if (client.Client is { Connected: true } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    client.Dispose();
                }
                _open.Clear();
            }
        }

        /// <summary>Listens on the same port again.</summary>
        public void Restore()
        {
            _accepting = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Start();
            _ = AcceptAsync(_listener, _accepting.Token);
        }

        private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await listener.AcceptTcpClientAsync(cancellationToken);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                var outbound = new TcpClient();
                try
                {
                    await outbound.ConnectAsync(_host, _targetPort, cancellationToken);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                    inbound.Dispose();
                    outbound.Dispose();
                    continue;
                }
                lock (_open)
                {
                    _open.Add(inbound);
                    _open.Add(outbound);
                }
                _ = PumpAsync(inbound, outbound);
                _ = PumpAsync(outbound, inbound);
            }
        }

        private static async Task PumpAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Cut();
            return ValueTask.CompletedTask;
        }
    }
}
