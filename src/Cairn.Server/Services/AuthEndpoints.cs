using Cairn.Core.Errors;
using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Auth;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Services;

/// <summary><c>auth.*</c>: tokens and API credentials of the calling user.</summary>
public static class AuthEndpoints
{
    /// <summary>ClearML's <c>apiserver.auth.max_expiration_sec</c>: one year.</summary>
    public const long MaxExpirationSec = 31_536_000;

    public static EndpointRegistry MapAuthEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("auth.login", LoginAsync)
            .Add("auth.logout", LogoutAsync, "2.2")
            .Add("auth.create_credentials", CreateCredentialsAsync)
            .Add("auth.get_credentials", GetCredentialsAsync)
            .Add("auth.revoke_credentials", RevokeCredentialsAsync)
            .Add("auth.edit_credentials", EditCredentialsAsync);

    private static Task<object?> LoginAsync(ApiCall call)
    {
        var request = call.Read<LoginRequest>();
        if (request.ExpirationSec is { } seconds && seconds is < 1 or > MaxExpirationSec)
        {
            throw CairnException.Validation(
                $"error for field 'expiration_sec': '{seconds}' must be between 1 and maximum ('{MaxExpirationSec}')");
        }
        var lifetime = request.ExpirationSec is { } s ? TimeSpan.FromSeconds(s) : call.Service<IOptions<CairnOptions>>().Value.TokenLifetime;
        var token = call.Service<TokenService>().Issue(call.Identity, lifetime, out var claims);
        call.Http.Response.Cookies.Append(ClearmlHeaders.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Expires = claims.Expires,
            Path = "/",
        });
        return Task.FromResult<object?>(new LoginResponse(token));
    }

    private static async Task<object?> LogoutAsync(ApiCall call)
    {
        // Only a token can be revoked; Basic credentials stay valid until revoked themselves.
        if (call.Authentication?.Token is { } token)
        {
            await call.Service<IMetadataStore>().Sessions.RevokeTokenAsync(token.SessionId, token.Expires, call.Aborted).ConfigureAwait(false);
        }
        call.Http.Response.Cookies.Delete(ClearmlHeaders.TokenCookie, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/" });
        return null;
    }

    private static async Task<object?> CreateCredentialsAsync(ApiCall call)
    {
        var request = call.Read<CreateCredentialsRequest>();
        var store = call.Service<IMetadataStore>().Identity;
        var user = await RequireUserAsync(call, store).ConfigureAwait(false);
        var secret = CredentialGenerator.NewSecretKey();
        while (true)
        {
            var credential = new Credential
            {
                AccessKey = CredentialGenerator.NewAccessKey(),
                SecretHash = SecretHasher.HashSecret(secret),
                UserId = user.Id,
                Label = request.Label,
                Created = call.Service<TimeProvider>().GetUtcNow(),
            };
            if (await store.AddCredentialAsync(credential, call.Aborted).ConfigureAwait(false))
            {
                return new CreateCredentialsResponse(new CredentialsResponse(credential.AccessKey, secret, request.Label));
            }
        }
    }

    private static async Task<object?> GetCredentialsAsync(ApiCall call)
    {
        var store = call.Service<IMetadataStore>().Identity;
        var user = await RequireUserAsync(call, store).ConfigureAwait(false);
        var credentials = await store.ListCredentialsAsync(user.Id, call.Aborted).ConfigureAwait(false);
        return new GetCredentialsResponse(credentials
            .Select(c => new CredentialInfo(c.AccessKey, c.Label, c.LastUsed, c.LastUsedFrom))
            .ToList());
    }

    private static async Task<object?> RevokeCredentialsAsync(ApiCall call)
    {
        var request = call.Read<AccessKeyRequest>();
        var accessKey = request.AccessKey ?? throw CairnException.RequiredField("access_key");
        var identity = call.Identity;
        if (!await call.Service<IMetadataStore>().Identity.RevokeCredentialAsync(identity.User, accessKey, call.Aborted).ConfigureAwait(false))
        {
            throw new CairnException(ErrorCodes.InvalidUser, "invalid user or invalid access key", new Dictionary<string, object?>
            {
                ["id"] = identity.User,
                ["company"] = identity.Company,
                ["credentials__key"] = accessKey,
            });
        }
        return new { revoked = 1 };
    }

    private static async Task<object?> EditCredentialsAsync(ApiCall call)
    {
        var request = call.Read<AccessKeyRequest>();
        var accessKey = request.AccessKey ?? throw CairnException.RequiredField("access_key");
        var identity = call.Identity;
        if (!await call.Service<IMetadataStore>().Identity.SetCredentialLabelAsync(identity.User, accessKey, request.Label, call.Aborted).ConfigureAwait(false))
        {
            throw new CairnException(ErrorCodes.InvalidAccessKey, "invalid user or invalid access key", new Dictionary<string, object?>
            {
                ["user"] = identity.User,
                ["access_key"] = accessKey,
                ["company"] = identity.Company,
            });
        }
        return new UpdatedResponse(1);
    }

    private static async Task<User> RequireUserAsync(ApiCall call, IIdentityStore store) =>
        await store.GetUserOrNullAsync(call.Identity.User, call.Aborted).ConfigureAwait(false)
        ?? throw new CairnException(ErrorCodes.InvalidUserId, null, new Dictionary<string, object?>
        {
            ["id"] = call.Identity.User,
            ["company"] = call.Identity.Company,
        });
}
