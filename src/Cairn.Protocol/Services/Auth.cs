namespace Cairn.Protocol.Services;

public sealed class LoginRequest
{
    /// <summary>Token lifetime in seconds; at most one year.</summary>
    public long? ExpirationSec { get; set; }
}

public sealed record LoginResponse(string Token);

public sealed class CreateCredentialsRequest
{
    public string? Label { get; set; }
}

public sealed record CredentialsResponse(string AccessKey, string SecretKey, string? Label);

public sealed record CreateCredentialsResponse(CredentialsResponse Credentials);

public sealed record CredentialInfo(string AccessKey, string? Label, DateTimeOffset? LastUsed, string? LastUsedFrom);

public sealed record GetCredentialsResponse(IReadOnlyList<CredentialInfo> Credentials);

public sealed class AccessKeyRequest
{
    public string? AccessKey { get; set; }

    public string? Label { get; set; }
}
