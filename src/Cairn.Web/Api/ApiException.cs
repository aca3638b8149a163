namespace Cairn.Web.Api;

/// <summary>The API refused a call: ClearML's result code, subcode and message, shown to the user as they are.</summary>
public sealed class ApiException(string endpoint, int code, int subcode, string message)
    : Exception(message)
{
    public string Endpoint { get; } = endpoint;

    public int Code { get; } = code;

    public int Subcode { get; } = subcode;

    /// <summary>The token is missing, expired or revoked: the user has to sign in again.</summary>
    public bool IsUnauthorized => Code == 401;
}
