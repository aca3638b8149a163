namespace Cairn.Web;

/// <summary>What the UI needs to know about the server it runs in.</summary>
public sealed class CairnWebOptions
{
    /// <summary>The API address written into clearml.conf snippets.</summary>
    public string ApiUrl { get; set; } = "http://127.0.0.1:8008";

    /// <summary>The web address written into clearml.conf snippets.</summary>
    public string WebUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The file server address written into clearml.conf snippets.</summary>
    public string FilesUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>The port the UI is served on (for the warm-up request after start).</summary>
    public int WebPort { get; set; } = 8080;

    /// <summary>
    /// Whether the sign-in page is rendered once right after start, so the first visitor does not
    /// pay for the cold render. Off by default: it loads and compiles the UI's stack (Blazor,
    /// MudBlazor, data protection) into a server whose UI nobody may ever open.
    /// </summary>
    public bool WarmUp { get; set; }

    /// <summary>
    /// A folder to keep the keys that protect sign-in cookies and antiforgery tokens in, so
    /// sessions survive a restart; null when the host gives data protection its own key
    /// repository (the Cairn server keeps them in its database, shared by every replica).
    /// </summary>
    public string? KeysDirectory { get; set; }

    /// <summary>How long a sign-in lasts; the API token issued at sign-in lives as long.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);
}
