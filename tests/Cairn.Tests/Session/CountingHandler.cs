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

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
