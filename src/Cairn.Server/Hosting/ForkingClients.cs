using Cairn.Protocol;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Hosting;

/// <summary>
/// Closes the connection after every answer to the ClearML Python SDK, as ClearML's own servers do.
/// </summary>
/// <remarks>
/// The SDK forks a reporting subprocess (<c>Task.init</c> with
/// <c>sdk.development.report_use_subprocess</c>, the default) while its <c>requests</c> sessions
/// hold idle keep-alive connections. The child inherits those sockets, so parent and child then
/// send on one TCP connection at once: the server reads one call's headers followed by the other
/// call's request line as its body ("Invalid JSON in request body: 'G' is an invalid start"), and
/// each process may read the answer to the other's call (a <c>models.create</c> answered with a
/// task, so the model "has no id"). ClearML never meets this because gunicorn's sync workers answer
/// every request with <c>Connection: close</c>; an answer that closes the connection leaves
/// nothing in the SDK's pools to inherit. Other clients (Cairn's .NET SDK, browsers, curl) keep
/// their connections.
/// </remarks>
public static class ForkingClients
{
    /// <summary>Asks Kestrel to close the connection after the answer when <see cref="IsForkingClient"/>.</summary>
    public static void UseConnectionCloseForForkingClients(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (IsForkingClient(http.Request))
            {
                var response = http.Response;
                // On starting, so an error path that resets the headers still closes.
                response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.Connection = "close";
                    return Task.CompletedTask;
                }, response);
            }
            return next(http);
        });

    /// <summary>
    /// The request comes from ClearML's Python stack: the SDK or agent names itself in
    /// <c>X-ClearML-Client</c> (<c>clearml-1.17.0</c>; <c>X-Trains-Client</c> before), and its
    /// storage helpers, which upload to the file server without that header, are <c>requests</c>.
    /// </summary>
    public static bool IsForkingClient(HttpRequest request)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[ClearmlHeaders.Prefix, ClearmlHeaders.LegacyPrefix])
        {
            var client = request.Headers[prefix + ClearmlHeaders.Client].ToString();
            if (client.StartsWith("clearml", StringComparison.OrdinalIgnoreCase) || client.StartsWith("trains", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return request.Headers[HeaderNames.UserAgent].ToString().StartsWith("python-requests/", StringComparison.OrdinalIgnoreCase);
    }
}
