using System.Security.Cryptography;
using System.Text;
using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Cairn.Server.Auth;

namespace Cairn.Server.Hosting;

/// <summary>
/// Creates the configured users and key pairs on start, and on the first start with no users at
/// all an admin user with one key pair, whose ready-to-paste clearml.conf is printed and written
/// to the data directory.
/// </summary>
public sealed class IdentitySeeder(IMetadataStore store, TimeProvider time, ILogger<IdentitySeeder> logger)
{
    public const string ConfFileName = "clearml.conf";
    public const string AdminUsername = "admin";

    /// <summary>User ids are md5("company:username"), as ClearML derives fixed users' ids, so every replica agrees.</summary>
    public static string UserId(string company, string username) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{company}:{username}")));

    public async Task SeedAsync(CairnOptions options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var seed in options.Users)
        {
            var existing = await store.Identity.FindUserByUsernameOrNullAsync(seed.Username, cancellationToken).ConfigureAwait(false);
            await store.Identity.UpsertUserAsync(new User
            {
                Id = existing?.Id ?? UserId(DefaultCompany.Id, seed.Username),
                Company = DefaultCompany.Id,
                Name = seed.Name ?? seed.Username,
                Username = seed.Username,
                PasswordHash = SecretHasher.HashPassword(seed.Password),
                Role = seed.Role,
                Created = existing?.Created ?? now,
            }, cancellationToken).ConfigureAwait(false);
        }
        foreach (var seed in options.Credentials)
        {
            var owner = await store.Identity.FindUserByUsernameOrNullAsync(seed.User, cancellationToken).ConfigureAwait(false);
            await store.Identity.UpsertCredentialAsync(new Credential
            {
                AccessKey = seed.AccessKey,
                SecretHash = SecretHasher.HashSecret(seed.SecretKey),
                UserId = owner!.Id,
                Label = seed.Label ?? "configured",
                Created = now,
            }, cancellationToken).ConfigureAwait(false);
        }

        if (await store.Identity.CountUsersAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            await BootstrapAdminAsync(options, now, cancellationToken).ConfigureAwait(false);
        }
        else if (options.Users.Count == 0 && File.Exists(Path.Combine(options.DataDir, ConfFileName)))
        {
            logger.LogInformation("API credentials of the first start are in {Path}", Path.GetFullPath(Path.Combine(options.DataDir, ConfFileName)));
        }
    }

    private async Task BootstrapAdminAsync(CairnOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var password = CredentialGenerator.NewPassword();
        var admin = new User
        {
            Id = UserId(DefaultCompany.Id, AdminUsername),
            Company = DefaultCompany.Id,
            Name = "Admin",
            Username = AdminUsername,
            PasswordHash = SecretHasher.HashPassword(password),
            Role = Roles.Admin,
            Created = now,
        };
        var accessKey = CredentialGenerator.NewAccessKey();
        var secretKey = CredentialGenerator.NewSecretKey();
        var credential = new Credential
        {
            AccessKey = accessKey,
            SecretHash = SecretHasher.HashSecret(secretKey),
            UserId = admin.Id,
            Label = "created on first start",
            Created = now,
        };
        // Two replicas starting on one empty store: only the one that adds the first user writes the conf.
        if (!await store.Identity.TryAddFirstUserAsync(admin, credential, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var conf = ClearmlConf(options, accessKey, secretKey);
        var path = Path.GetFullPath(Path.Combine(options.DataDir, ConfFileName));
        await using (var file = PrivateFile.Create(path, FileMode.Create))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(
                $"# Web UI login: {AdminUsername} / {password}\n" + conf), cancellationToken).ConfigureAwait(false);
        }

        // Printed once on purpose: this is the only time the secret and password exist in clear text
        // outside the 0600 file in the data directory.
        Console.WriteLine($"""

            Cairn created an admin user and an API key pair (first start, empty store).
            Web UI login: {AdminUsername} / {password}
            Paste this into ~/clearml.conf (also written to {path}):

            {conf}
            """);
        logger.LogInformation("Created the admin user and its first API credential; clearml.conf written to {Path}", path);
    }

    /// <summary>The <c>api</c> section of a clearml.conf, as <c>clearml-init</c> writes it.</summary>
    public static string ClearmlConf(CairnOptions options, string accessKey, string secretKey) => $$"""
        api {
            web_server: {{options.WebUrl}}
            api_server: {{options.ApiUrl}}
            files_server: {{options.FilesUrl}}
            credentials {
                "access_key" = "{{accessKey}}"
                "secret_key" = "{{secretKey}}"
            }
        }

        """;
}
