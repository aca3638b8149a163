using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Web;

/// <summary>
/// Asks for the sign-in page once right after start, so the first visitor does not pay for
/// building the page routes, the key ring and the first render (seconds on a busy small machine).
/// </summary>
internal static class WebWarmUp
{
    public static void Register(WebApplication app, CairnWebOptions options) =>
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => RunAsync(app, options)));

    private static async Task RunAsync(WebApplication app, CairnWebOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebWarmUp));
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var web = addresses
            .Select(a => Uri.TryCreate(a.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null)
            .FirstOrDefault(u => u is not null && u.Port == options.WebPort);
        if (web is null)
        {
            return;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            using var response = await http.GetAsync(new Uri(web, "login"), app.Lifetime.ApplicationStopping).ConfigureAwait(false);
            logger.LogDebug("Web UI warm-up answered {Status}", (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Only a head start for the first visitor; nothing depends on it.
            logger.LogDebug("Web UI warm-up skipped: {Reason}", e.Message);
        }
    }
}
