using Cairn.Web.Api;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cairn.Web.Auth;

/// <summary><c>POST /logout</c> (a form with an antiforgery token): revokes the API token and drops the cookie.</summary>
internal static class SignOut
{
    public static async Task<IResult> HandleAsync(HttpContext http, ApiTransport transport, IAntiforgery antiforgery, ILoggerFactory loggers)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.BadRequest("The sign-out form has expired; reload the page and try again.");
        }
        if (SessionClaims.Authorization(http.User) is { } authorization)
        {
            try
            {
                await transport.CallAsync("auth.logout", null, authorization, http.RequestAborted);
            }
            catch (ApiException e)
            {
                // An expired or already revoked token still ends in a signed-out browser.
                loggers.CreateLogger(typeof(SignOut)).LogInformation("auth.logout at sign-out answered {Code}", e.Code);
            }
        }
        await http.SignOutAsync(SessionClaims.Scheme);
        return Results.LocalRedirect("~/login");
    }
}
