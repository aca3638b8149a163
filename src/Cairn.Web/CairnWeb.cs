using Cairn.Web.Api;
using Cairn.Web.Auth;
using Cairn.Web.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MudBlazor.Services;

namespace Cairn.Web;

/// <summary>Registers and maps the web UI in a host that also serves the API.</summary>
public static class CairnWeb
{
    /// <summary>Adds the UI's services: Blazor, MudBlazor, cookie sign-in, antiforgery and the in-process API client.</summary>
    public static IServiceCollection AddCairnWeb(this IServiceCollection services, CairnWebOptions options, Func<IServiceProvider, ApiHandler> apiHandler)
    {
        services.AddSingleton(options);
        services.AddSingleton(apiHandler);
        services.AddScoped(sp => new ApiTransport(sp.GetRequiredService<ApiHandler>(), sp));
        services.AddScoped<CairnApi>();
        // The browser hands the prerender's persisted state (the model table's first page) back
        // when the circuit starts, in one message: SignalR's default 32 KB is too small for it.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 512 * 1024);
        services.AddMudServices(mud =>
        {
            mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            mud.SnackbarConfiguration.VisibleStateDuration = 4000;
            mud.SnackbarConfiguration.PreventDuplicates = false;
        });
        var dataProtection = services.AddDataProtection().SetApplicationName("Cairn");
        if (options.KeysDirectory is not null)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(options.KeysDirectory));
        }
        services.AddAuthentication(SessionClaims.Scheme)
            .AddCookie(SessionClaims.Scheme, cookie =>
            {
                cookie.Cookie.Name = SessionClaims.CookieName;
                cookie.Cookie.HttpOnly = true;
                // Lax keeps links from chat and mail working; every state-changing form carries an antiforgery token.
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = options.SessionLifetime;
                cookie.SlidingExpiration = false;
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.AccessDeniedPath = "/login";
                cookie.ReturnUrlParameter = "returnUrl";
            });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "cairn_antiforgery";
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });
        // Data protection reads (on a first start: creates) its key ring in a hosted service
        // before the listeners bind, which puts the store read, System.Private.Xml and the key
        // generation on the path to the API's first answer and in every idle server's memory.
        // Without it the ring is read on the first use (the first sign-in page), then cached.
        // Last: the cookie and antiforgery registrations above add data protection (and it) again.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType?.Assembly == typeof(KeyManagementOptions).Assembly)
            {
                services.RemoveAt(i);
            }
        }
        return services;
    }

    /// <summary>
    /// Adds the UI's middleware and endpoints to <paramref name="app"/>, which the host has
    /// already narrowed to web requests (the API and file server branch off before it).
    /// </summary>
    public static void UseCairnWeb(this WebApplication app)
    {
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use(HubOrigin.CheckAsync);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        ServeAssetsFromBuildOutput(app);
        app.MapStaticAssets(File.Exists(EndpointsManifest) ? EndpointsManifest : null);
        app.MapPost("/logout", SignOut.HandleAsync);
        app.MapGet("/" + FileDownload.Path, FileDownload.HandleAsync).RequireAuthorization();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization();
        var options = app.Services.GetRequiredService<CairnWebOptions>();
        if (options.WarmUp)
        {
            WebWarmUp.Register(app, options);
        }
    }

    // The manifests are named after the server's assembly, not the entry assembly (a test host is another one).
    private static string EndpointsManifest => Path.Combine(AppContext.BaseDirectory, "Cairn.Server.staticwebassets.endpoints.json");

    private static string RuntimeManifest => Path.Combine(AppContext.BaseDirectory, "Cairn.Server.staticwebassets.runtime.json");

    /// <summary>
    /// A build (dotnet run, tests) has no wwwroot of its own: its runtime manifest points at the
    /// files in their projects and packages. A published server has them in wwwroot and no such manifest.
    /// </summary>
    private static void ServeAssetsFromBuildOutput(WebApplication app)
    {
        if (!File.Exists(RuntimeManifest))
        {
            return;
        }
        var manifest = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(WebHostDefaults.StaticWebAssetsKey, RuntimeManifest)])
            .Build();
        StaticWebAssetsLoader.UseStaticWebAssets(app.Environment, manifest);
    }
}
