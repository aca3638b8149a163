using Microsoft.AspNetCore.Http;

namespace Cairn.Web;

/// <summary>
/// Only pages served by this server may open the Blazor hub. Browsers do not apply CORS to
/// WebSockets, and the sign-in cookie goes with any upgrade, so without this check a page on any
/// site could drive a signed-in user's UI circuit (cross-site WebSocket hijacking).
/// </summary>
internal static class HubOrigin
{
    private const string HubPath = "/_blazor";

    public static async Task CheckAsync(HttpContext http, Func<Task> next)
    {
        if (http.Request.Path.StartsWithSegments(HubPath) && !IsSameHost(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("The UI's connection must come from a page of this server.", http.RequestAborted);
            return;
        }
        await next();
    }

    /// <summary>
    /// True without an <c>Origin</c> (not a browser, so nobody's cookie is being borrowed) or with
    /// one whose host and port are the request's. The scheme is not compared: behind a proxy that
    /// ends TLS the page is https and the request here is http.
    /// </summary>
    private static bool IsSameHost(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.IsDefaultPort ? uri.Host : uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
