using System.Net.Http.Headers;
using System.Security.Claims;

namespace Cairn.Web.Auth;

/// <summary>The claims of a signed-in session: who the user is and the API token the UI calls with.</summary>
public static class SessionClaims
{
    public const string Scheme = "CairnWeb";

    public const string CookieName = "cairn_session";

    /// <summary>The API token from <c>auth.login</c>; the cookie is encrypted, so it never reaches the browser in clear.</summary>
    public const string Token = "cairn:token";

    public static ClaimsPrincipal Create(string userId, string name, string username, string token)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, userId),
            new Claim(ClaimTypes.Name, name),
            new Claim("cairn:username", username),
            new Claim(Token, token),
        ], Scheme);
        return new ClaimsPrincipal(identity);
    }

    public static AuthenticationHeaderValue? Authorization(ClaimsPrincipal user) =>
        user.FindFirst(Token)?.Value is { Length: > 0 } token ? new AuthenticationHeaderValue("Bearer", token) : null;
}
