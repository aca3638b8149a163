namespace Cairn.Configuration;

/// <summary>ClearML's derivation of the web and file servers from the API server when they are not configured.</summary>
internal static class ServerUrls
{
    /// <summary><c>api.</c> → <c>app.</c>, <c>demoapi.</c> → <c>demoapp.</c>, port 8008 → 8080; null when none applies.</summary>
    public static Uri? DeriveWebHost(Uri api) =>
        api.Host.StartsWith("api.", StringComparison.OrdinalIgnoreCase) ? WithHost(api, "app." + api.Host[4..])
        : api.Host.StartsWith("demoapi.", StringComparison.OrdinalIgnoreCase) ? WithHost(api, "demoapp." + api.Host[8..])
        : api.Port == 8008 ? new UriBuilder(api) { Port = 8080 }.Uri
        : null;

    /// <summary><c>app.</c> → <c>files.</c>, <c>demoapp.</c> → <c>demofiles.</c>, otherwise port 8081.</summary>
    public static Uri DeriveFilesHost(Uri web) =>
        web.Host.StartsWith("app.", StringComparison.OrdinalIgnoreCase) ? WithHost(web, "files." + web.Host[4..])
        : web.Host.StartsWith("demoapp.", StringComparison.OrdinalIgnoreCase) ? WithHost(web, "demofiles." + web.Host[8..])
        : new UriBuilder(web) { Port = 8081 }.Uri;

    private static Uri WithHost(Uri url, string host) => new UriBuilder(url) { Host = host }.Uri;
}
