using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cairn.Core;
using Cairn.Core.Identity;
using Cairn.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cairn.Server.Auth;

/// <summary>The claims of a valid token that the server acts on.</summary>
public sealed record TokenClaims(CallerIdentity Identity, string SessionId, DateTimeOffset Expires);

/// <summary>Issues and validates the HS256 tokens of <c>auth.login</c>, with the claims ClearML clients read.</summary>
public sealed class TokenService
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _signing;
    private readonly TokenValidationParameters _validation;
    private readonly TimeProvider _time;

    public TokenService(byte[] signingKey, TimeProvider time)
    {
        _time = time;
        var key = new SymmetricSecurityKey(signingKey);
        _signing = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireExpirationTime = true,
            // Lifetime is checked below against the injected clock.
            ValidateLifetime = false,
        };
    }

    public string Issue(CallerIdentity identity, TimeSpan lifetime, out TokenClaims claims)
    {
        var now = _time.GetUtcNow();
        var expires = now + lifetime;
        var sessionId = EntityId.New();
        claims = new TokenClaims(identity, sessionId, expires);
        var descriptor = new SecurityTokenDescriptor
        {
            SigningCredentials = _signing,
            Claims = new Dictionary<string, object>
            {
                ["auth_type"] = "Bearer",
                ["identity"] = new Dictionary<string, object>
                {
                    ["user"] = identity.User,
                    ["company"] = identity.Company,
                    ["role"] = identity.Role,
                    ["user_name"] = identity.UserName,
                    ["company_name"] = identity.CompanyName,
                },
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = expires.ToUnixTimeSeconds(),
                ["session_id"] = sessionId,
                ["env"] = "cairn",
                ["api_version"] = ApiVersion.Max.ToString(),
                ["server_version"] = ServerVersion.Compatible,
                ["server_build"] = ServerVersion.Cairn,
                ["feature_set"] = "basic",
            },
        };
        return _handler.CreateToken(descriptor);
    }

    /// <summary>Validates signature and expiry; returns null with a reason when the token is not acceptable.</summary>
    public async Task<(TokenClaims? Claims, string? Problem)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _validation).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return (null, result.Exception is SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException
                ? "invalid signature"
                : "malformed token");
        }
        try
        {
            using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
            var root = payload.RootElement;
            var expires = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (expires <= _time.GetUtcNow())
            {
                return (null, "token expired");
            }
            var identity = root.GetProperty("identity");
            var caller = new CallerIdentity(
                identity.GetProperty("user").GetString()!,
                identity.GetProperty("company").GetString()!,
                identity.GetProperty("role").GetString()!,
                identity.TryGetProperty("user_name", out var name) ? name.GetString() ?? "" : "",
                identity.TryGetProperty("company_name", out var company) ? company.GetString() ?? "" : "");
            return (new TokenClaims(caller, root.GetProperty("session_id").GetString()!, expires), null);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or JsonException or FormatException)
        {
            return (null, "no identity in token");
        }
    }

    /// <summary>Reads the configured key, or the one kept in the data directory (created on first start).</summary>
    public static byte[] LoadSigningKey(string? configured, string dataDir)
    {
        if (configured is not null)
        {
            return Encoding.UTF8.GetBytes(configured);
        }
        var path = Path.Combine(dataDir, "jwt-signing.key");
        if (!File.Exists(path))
        {
            // Written aside and moved into place, so a replica starting at the same moment either
            // wins the move or reads the winner's whole key, never a partial one.
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            using (var stream = Hosting.PrivateFile.Create(temporary, FileMode.Create))
            {
                stream.Write(Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))));
            }
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }
        return Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
    }
}

/// <summary>Versions reported to clients.</summary>
public static class ServerVersion
{
    /// <summary>The ClearML server release whose API Cairn implements; SDKs gate features on it.</summary>
    public const string Compatible = "2.0.0";

    /// <summary>Cairn's own version, reported as the build.</summary>
    public static string Cairn { get; } =
        typeof(ServerVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
