namespace Cairn.Tests.Session;

/// <summary>Counts the requests that go through it to the real server, passing everything on.</summary>
internal sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private int _requests;

    private int _gets;

    /// <summary>Every request sent.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The GET requests (downloads).</summary>
    public int Gets => Volatile.Read(ref _gets);

    /// <summary>The <c>auth.login</c> calls.</summary>
    public int Logins => Calls("auth.login");

    /// <summary>The requests to a path ending in <paramref name="endpoint"/>.</summary>
    public int Calls(string endpoint) => _paths.Count(p => p.EndsWith("/" + endpoint, StringComparison.Ordinal));

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _paths = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        _paths.Enqueue(request.RequestUri?.AbsolutePath ?? "");
        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
