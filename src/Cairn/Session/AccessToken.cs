using System.Buffers.Text;
using System.Text.Json;

namespace Cairn.Session;

/// <summary>
/// A token from <c>auth.login</c> and the claims the SDK reads from it. The JWT is decoded without
/// verification, as ClearML's SDK does: the server verifies it, the client only needs to know when
/// it expires and which API version the server speaks.
/// </summary>
internal sealed record AccessToken(string Value, DateTimeOffset? Expires, DateTimeOffset? IssuedAt, string? ApiVersion)
{
    /// <summary>ClearML's <c>api.auth.token_expiration_threshold_sec</c> default.</summary>
    private static readonly TimeSpan RefreshThreshold = TimeSpan.FromSeconds(360);

    /// <summary>
    /// When to log in again: the threshold before expiry, or a quarter of the lifetime before it
    /// when the token is short-lived, so a token never needs refreshing on every call.
    /// </summary>
    public DateTimeOffset? RefreshAt
    {
        get
        {
            if (Expires is not { } expires)
            {
                return null;
            }
            var lead = RefreshThreshold;
            if (IssuedAt is { } issued && (expires - issued) / 4 < lead)
            {
                lead = (expires - issued) / 4;
            }
            return expires - lead;
        }
    }

    public bool NeedsRefresh(DateTimeOffset now) => RefreshAt is { } at && now >= at;

    /// <summary>Reads <c>exp</c>, <c>iat</c> and <c>api_version</c>; a token that is not a readable JWT just has no claims.</summary>
    public static AccessToken Parse(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return new AccessToken(token, null, null, null);
        }
        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return new AccessToken(token, ReadTime(root, "exp"), ReadTime(root, "iat"),
                root.TryGetProperty("api_version", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return new AccessToken(token, null, null, null);
        }
    }

    private static DateTimeOffset? ReadTime(JsonElement root, string claim) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(claim, out var value) && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>Never print the token itself.</summary>
    public override string ToString() => $"token expiring {Expires:O}";
}
