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

    /// <summary>
    /// Starts the PBKDF2 hashing start-up will need (about 70 ms of one core each): the configured
    /// users' passwords, and the first admin's when <paramref name="storeLikelyEmpty"/>. It runs
    /// on a thread of its own while the host is built and the store migrated, so on a machine with a
    /// second core it is off the path to the first answer; a speculative admin hash that the
    /// store turns out not to need is dropped.
    /// </summary>
    public static PreparedHashes PrepareHashes(CairnOptions options, bool storeLikelyEmpty)
    {
        // One thread of its own for all of them: the thread pool has only as many threads as
        // cores at start, and start-up's own continuations need them.
        var passwords = options.Users.Select(seed => seed.Password).ToList();
        var work = Task.Factory.StartNew(
            () => (Users: passwords.Select(SecretHasher.HashPassword).ToList(), Admin: storeLikelyEmpty ? NewAdminPassword() : default((string, string)?)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return new PreparedHashes(work);
    }

    /// <summary>Creates or updates the configured identities, and the first admin on an empty store.</summary>
    /// <param name="options">The options whose users and credentials are seeded.</param>
    /// <param name="hashes">From <see cref="PrepareHashes"/> with the same <paramref name="options"/>.</param>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    public async Task SeedAsync(CairnOptions options, PreparedHashes hashes, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        for (var i = 0; i < options.Users.Count; i++)
        {
            var seed = options.Users[i];
            var existing = await store.Identity.FindUserByUsernameOrNullAsync(seed.Username, cancellationToken).ConfigureAwait(false);
            await store.Identity.UpsertUserAsync(new User
            {
                Id = existing?.Id ?? UserId(DefaultCompany.Id, seed.Username),
                Company = DefaultCompany.Id,
                Name = seed.Name ?? seed.Username,
                Username = seed.Username,
                PasswordHash = (await hashes.Work.ConfigureAwait(false)).Users[i],
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
            var admin = (await hashes.Work.ConfigureAwait(false)).Admin ?? NewAdminPassword();
            await BootstrapAdminAsync(options, admin.Password, admin.Hash, now, cancellationToken).ConfigureAwait(false);
        }
        else if (options.Users.Count == 0 && File.Exists(Path.Combine(options.DataDir, ConfFileName)))
        {
            logger.LogInformation("API credentials of the first start are in {Path}", Path.GetFullPath(Path.Combine(options.DataDir, ConfFileName)));
        }
    }

    private static (string Password, string Hash) NewAdminPassword()
    {
        var password = CredentialGenerator.NewPassword();
        return (password, SecretHasher.HashPassword(password));
    }

    private async Task BootstrapAdminAsync(CairnOptions options, string password, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var admin = new User
        {
            Id = UserId(DefaultCompany.Id, AdminUsername),
            Company = DefaultCompany.Id,
            Name = "Admin",
            Username = AdminUsername,
            PasswordHash = passwordHash,
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

/// <summary>
/// Password hashes being computed ahead of <see cref="IdentitySeeder.SeedAsync"/>: one per
/// configured user, in order, and the first admin's password and hash when asked for.
/// </summary>
public sealed record PreparedHashes(Task<(List<string> Users, (string Password, string Hash)? Admin)> Work);
