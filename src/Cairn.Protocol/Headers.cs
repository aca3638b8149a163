namespace Cairn.Protocol;

/// <summary>ClearML's custom headers; each is also accepted with the legacy <c>X-Trains-</c> prefix.</summary>
public static class ClearmlHeaders
{
    public const string Prefix = "X-ClearML-";
    public const string LegacyPrefix = "X-Trains-";
    public const string Trx = "Trx";
    public const string Worker = "Worker";
    public const string Client = "Client";
    public const string ImpersonateAs = "Impersonate-As";
    public const string ActAs = "Act-As";

    /// <summary>The cookie in which browsers carry the API token.</summary>
    public const string TokenCookie = "clearml_token_basic";

    /// <summary>The content type of batched (one JSON object per line) request bodies.</summary>
    public const string JsonLines = "application/json-lines";
}
