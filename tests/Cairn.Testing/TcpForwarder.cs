using System.Net;
using System.Net.Sockets;

namespace Cairn.Testing;

/// <summary>
/// Forwards loopback connections to a TCP service (the test PostgreSQL): <see cref="Cut"/> resets
/// them all and refuses new ones, as a network failure or a database restart does; <see cref="Restore"/> listens again.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
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
