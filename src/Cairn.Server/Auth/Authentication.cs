using System.Text;
using Cairn.Core.Errors;
using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Microsoft.Extensions.Primitives;

namespace Cairn.Server.Auth;

/// <summary>How a caller proved who they are; <see cref="Token"/> is set for Bearer tokens.</summary>
public sealed record Authentication(CallerIdentity Identity, TokenClaims? Token);

/// <summary>
/// Authenticates a request with ClearML's rules: <c>Authorization: Basic key:secret</c> (API
/// credentials, or a configured user's username:password) or <c>Bearer &lt;token&gt;</c>, or the
/// <c>clearml_token_basic</c> cookie when there is no header.
/// </summary>
public sealed class Authenticator(IMetadataStore store, TokenService tokens, FailedLoginLimiter failedLogins, TimeProvider time)
{
    // A credential's last_used is written at most this often, so Basic auth stays a read.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public async Task<Authentication> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var header = request.Headers.Authorization;
        if (StringValues.IsNullOrEmpty(header))
        {
            if (request.Cookies.TryGetValue(ClearmlHeaders.TokenCookie, out var cookie) && cookie.Length > 0)
            {
                return await BearerAsync(cookie, cancellationToken).ConfigureAwait(false);
            }
            throw new CairnException(ErrorCodes.NoCredentials);
        }

        var value = header.ToString().Trim();
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? value : value[..space];
        var parameter = space < 0 ? "" : value[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return await BearerAsync(parameter, cancellationToken).ConfigureAwait(false);
        }
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            var worker = Api.ClearmlHeaderValues.Get(request, ClearmlHeaders.Worker);
            return await BasicAsync(request.HttpContext, parameter, worker, cancellationToken).ConfigureAwait(false);
        }
        throw new CairnException(ErrorCodes.BadAuthType, null, new Dictionary<string, object?> { ["auth_type"] = scheme });
    }

    private async Task<Authentication> BearerAsync(string token, CancellationToken cancellationToken)
    {
        var (claims, problem) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (claims is null)
        {
            throw new CairnException(ErrorCodes.InvalidToken, problem);
        }
        if (await store.Sessions.IsTokenRevokedAsync(claims.SessionId, cancellationToken).ConfigureAwait(false))
        {
            throw new CairnException(ErrorCodes.InvalidToken, "token revoked");
        }
        return new Authentication(claims.Identity, claims);
    }

    private async Task<Authentication> BasicAsync(HttpContext http, string encoded, string? worker, CancellationToken cancellationToken)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            throw new CairnException(ErrorCodes.BadCredentials, "Basic credentials are not valid base64");
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new CairnException(ErrorCodes.BadCredentials, "Basic credentials must be key:secret");
        }
        var key = decoded[..colon];
        var secret = decoded[(colon + 1)..];
        failedLogins.EnsureAllowed(http, key);

        var credential = await store.Identity.FindCredentialOrNullAsync(key, cancellationToken).ConfigureAwait(false);
        if (credential is not null && SecretHasher.VerifySecret(secret, credential.SecretHash))
        {
            var owner = await store.Identity.GetUserOrNullAsync(credential.UserId, cancellationToken).ConfigureAwait(false)
                ?? throw new CairnException(ErrorCodes.InvalidCredentials);
            var now = time.GetUtcNow();
            if (credential.LastUsed is null || now - credential.LastUsed > TouchInterval || credential.LastUsedFrom != worker)
            {
                await store.Identity.TouchCredentialAsync(key, now, worker, cancellationToken).ConfigureAwait(false);
            }
            return new Authentication(ToIdentity(owner), null);
        }

        var user = await store.Identity.FindUserByUsernameOrNullAsync(key, cancellationToken).ConfigureAwait(false);
        // An unknown name costs the same hash as a known one, so timing does not reveal which names exist.
        if (SecretHasher.VerifyPassword(secret, user?.PasswordHash ?? SecretHasher.UnknownUserHash) && user?.PasswordHash is not null)
        {
            return new Authentication(ToIdentity(user), null);
        }
        failedLogins.RecordFailure(http, key);
        throw new CairnException(ErrorCodes.InvalidCredentials);
    }

    public static CallerIdentity ToIdentity(User user) =>
        new(user.Id, user.Company, user.Role, user.Name, DefaultCompany.Name);
}
