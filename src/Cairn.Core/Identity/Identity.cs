namespace Cairn.Core.Identity;

/// <summary>Who made a request; <see cref="Company"/> scopes every data access.</summary>
public sealed record CallerIdentity(string User, string Company, string Role, string UserName, string CompanyName);

public static class Roles
{
    public const string System = "system";
    public const string Root = "root";
    public const string Admin = "admin";
    public const string User = "user";
    public const string Guest = "guest";

    public static bool IsKnown(string role) => role is System or Root or Admin or "superuser" or User or "annotator" or Guest;
}

/// <summary>The company every self-hosted ClearML server uses unless configured otherwise.</summary>
public static class DefaultCompany
{
    public const string Id = "d1bd92a3b039400cbafc60a7a5b1e52b";
    public const string Name = "clearml";
}

/// <summary>A user of the server. Passwords are stored only as a salted PBKDF2 hash.</summary>
public sealed record User
{
    public required string Id { get; init; }
    public required string Company { get; init; }
    public required string Name { get; init; }
    public string? Username { get; init; }
    public string? PasswordHash { get; init; }
    public required string Role { get; init; }
    public required DateTimeOffset Created { get; init; }

    public string GivenName => Name.Split(' ', 2)[0];

    public string FamilyName => Name.Contains(' ', StringComparison.Ordinal) ? Name.Split(' ', 2)[1] : "";
}

/// <summary>An API key pair. The secret is stored only as a SHA-256 hash.</summary>
public sealed record Credential
{
    public required string AccessKey { get; init; }
    public required string SecretHash { get; init; }
    public required string UserId { get; init; }
    public string? Label { get; init; }
    public required DateTimeOffset Created { get; init; }
    public DateTimeOffset? LastUsed { get; init; }
    public string? LastUsedFrom { get; init; }
}
