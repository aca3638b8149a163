using Cairn.Core.Identity;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>IIdentityStore</c>: users and their API credentials.</summary>
public abstract class IdentityStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private static User NewUser(string id, string? username = null, string name = "Ada Lovelace", string role = Roles.User) => new()
    {
        Id = id,
        Company = Company,
        Name = name,
        Username = username,
        PasswordHash = username is null ? null : "pbkdf2$hash-of-" + username,
        Role = role,
        Created = Now,
    };

    private static Credential NewCredential(string accessKey, string userId, string? label = null, DateTimeOffset? created = null) => new()
    {
        AccessKey = accessKey,
        SecretHash = "sha256-of-" + accessKey,
        UserId = userId,
        Label = label,
        Created = created ?? Now,
    };

    private async Task AddUsersAsync()
    {
        await Store.Identity.UpsertUserAsync(NewUser("u-ada", "ada"));
        await Store.Identity.UpsertUserAsync(NewUser("u-bob", "bob", "Bob"));
    }

    [Fact]
    public async Task An_upserted_user_reads_back_with_every_field()
    {
        var user = NewUser("u-ada", "ada", role: Roles.Admin);

        await Store.Identity.UpsertUserAsync(user);

        Assert.Equal(user, await Store.Identity.GetUserOrNullAsync("u-ada"));
        Assert.Equal(user, await Store.Identity.FindUserByUsernameOrNullAsync("ada"));
        Assert.Equal(1, await Store.Identity.CountUsersAsync());
    }

    [Fact]
    public async Task Upserting_an_existing_id_replaces_the_user()
    {
        await Store.Identity.UpsertUserAsync(NewUser("u-ada", "ada"));

        await Store.Identity.UpsertUserAsync(NewUser("u-ada", "countess", "Augusta Ada King", Roles.Admin));

        var user = await Store.Identity.GetUserOrNullAsync("u-ada");
        Assert.Equal("Augusta Ada King", user?.Name);
        Assert.Equal("countess", user?.Username);
        Assert.Equal(Roles.Admin, user?.Role);
        Assert.Null(await Store.Identity.FindUserByUsernameOrNullAsync("ada"));
        Assert.Equal(1, await Store.Identity.CountUsersAsync());
    }

    [Fact]
    public async Task A_user_without_a_username_is_found_only_by_id()
    {
        await Store.Identity.UpsertUserAsync(NewUser("u-key-only"));

        Assert.Null((await Store.Identity.GetUserOrNullAsync("u-key-only"))?.Username);
        Assert.Null((await Store.Identity.GetUserOrNullAsync("u-key-only"))?.PasswordHash);
    }

    [Fact]
    public async Task Unknown_users_are_null()
    {
        await AddUsersAsync();

        Assert.Null(await Store.Identity.GetUserOrNullAsync("u-nobody"));
        Assert.Null(await Store.Identity.FindUserByUsernameOrNullAsync("nobody"));
        Assert.Null(await Store.Identity.FindUserByUsernameOrNullAsync("ADA"));
        Assert.Equal(2, await Store.Identity.CountUsersAsync());
    }

    [Fact]
    public async Task An_added_credential_is_found_by_its_access_key()
    {
        await AddUsersAsync();
        var credential = NewCredential("KEY-ADA-1", "u-ada", "laptop");

        Assert.True(await Store.Identity.AddCredentialAsync(credential));

        Assert.Equal(credential, await Store.Identity.FindCredentialOrNullAsync("KEY-ADA-1"));
        Assert.Null(await Store.Identity.FindCredentialOrNullAsync("KEY-NONE"));
        Assert.Null(await Store.Identity.FindCredentialOrNullAsync("key-ada-1"));
    }

    [Fact]
    public async Task Adding_a_duplicate_access_key_returns_false_and_keeps_the_original()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-1", "u-ada"));

        var added = await Store.Identity.AddCredentialAsync(NewCredential("KEY-1", "u-bob") with { SecretHash = "other" });

        Assert.False(added);
        var stored = await Store.Identity.FindCredentialOrNullAsync("KEY-1");
        Assert.Equal("u-ada", stored?.UserId);
        Assert.Equal("sha256-of-KEY-1", stored?.SecretHash);
    }

    [Fact]
    public async Task Upserting_a_credential_replaces_the_secret_of_an_existing_key_or_adds_it()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-SEEDED", "u-ada"));

        await Store.Identity.UpsertCredentialAsync(NewCredential("KEY-SEEDED", "u-ada") with { SecretHash = "rotated" });
        await Store.Identity.UpsertCredentialAsync(NewCredential("KEY-NEW", "u-bob"));

        Assert.Equal("rotated", (await Store.Identity.FindCredentialOrNullAsync("KEY-SEEDED"))?.SecretHash);
        Assert.Equal("u-bob", (await Store.Identity.FindCredentialOrNullAsync("KEY-NEW"))?.UserId);
    }

    [Fact]
    public async Task Listing_returns_only_the_users_credentials_oldest_first()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-B", "u-ada", created: Now.AddMinutes(2)));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-A", "u-ada", created: Now.AddMinutes(1)));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-C", "u-ada", created: Now.AddMinutes(1)));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-BOB", "u-bob"));

        var listed = await Store.Identity.ListCredentialsAsync("u-ada");

        Assert.Equal(["KEY-A", "KEY-C", "KEY-B"], listed.Select(c => c.AccessKey));
        Assert.Equal(["KEY-BOB"], (await Store.Identity.ListCredentialsAsync("u-bob")).Select(c => c.AccessKey));
        Assert.Empty(await Store.Identity.ListCredentialsAsync("u-nobody"));
    }

    [Fact]
    public async Task Revoking_removes_the_users_own_key_only()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-ADA", "u-ada"));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-BOB", "u-bob"));

        Assert.False(await Store.Identity.RevokeCredentialAsync("u-ada", "KEY-BOB"));
        Assert.False(await Store.Identity.RevokeCredentialAsync("u-ada", "KEY-NONE"));
        Assert.True(await Store.Identity.RevokeCredentialAsync("u-ada", "KEY-ADA"));

        Assert.Null(await Store.Identity.FindCredentialOrNullAsync("KEY-ADA"));
        Assert.NotNull(await Store.Identity.FindCredentialOrNullAsync("KEY-BOB"));
        Assert.False(await Store.Identity.RevokeCredentialAsync("u-ada", "KEY-ADA"));
    }

    [Fact]
    public async Task Labelling_sets_or_clears_the_label_of_the_users_own_key_only()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-ADA", "u-ada", "old"));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-BOB", "u-bob", "bob's"));

        Assert.True(await Store.Identity.SetCredentialLabelAsync("u-ada", "KEY-ADA", "new"));
        Assert.False(await Store.Identity.SetCredentialLabelAsync("u-ada", "KEY-BOB", "stolen"));
        Assert.False(await Store.Identity.SetCredentialLabelAsync("u-ada", "KEY-NONE", "x"));

        Assert.Equal("new", (await Store.Identity.FindCredentialOrNullAsync("KEY-ADA"))?.Label);
        Assert.Equal("bob's", (await Store.Identity.FindCredentialOrNullAsync("KEY-BOB"))?.Label);
        Assert.True(await Store.Identity.SetCredentialLabelAsync("u-ada", "KEY-ADA", null));
        Assert.Null((await Store.Identity.FindCredentialOrNullAsync("KEY-ADA"))?.Label);
    }

    [Fact]
    public async Task Touching_records_when_and_from_where_a_key_was_last_used()
    {
        await AddUsersAsync();
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-ADA", "u-ada"));
        await Store.Identity.AddCredentialAsync(NewCredential("KEY-BOB", "u-bob"));
        Assert.Null((await Store.Identity.FindCredentialOrNullAsync("KEY-ADA"))?.LastUsed);

        await Store.Identity.TouchCredentialAsync("KEY-ADA", Now.AddMinutes(5), "10.0.0.7");
        await Store.Identity.TouchCredentialAsync("KEY-ADA", Now.AddMinutes(9), "10.0.0.8");

        var touched = await Store.Identity.FindCredentialOrNullAsync("KEY-ADA");
        Assert.Equal(Now.AddMinutes(9), touched?.LastUsed);
        Assert.Equal("10.0.0.8", touched?.LastUsedFrom);
        Assert.Null((await Store.Identity.FindCredentialOrNullAsync("KEY-BOB"))?.LastUsed);
    }

    [Fact]
    public async Task The_first_user_is_added_once_when_replicas_try_at_the_same_time()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            Store.Identity.TryAddFirstUserAsync(NewUser($"u-{i}", $"admin-{i}", role: Roles.Admin), NewCredential($"KEY-{i}", $"u-{i}")))));

        var winner = Assert.Single(Enumerable.Range(0, 8), i => attempts[i]);
        Assert.Equal(1, await Store.Identity.CountUsersAsync());
        Assert.NotNull(await Store.Identity.FindCredentialOrNullAsync($"KEY-{winner}"));
        Assert.False(await Store.Identity.TryAddFirstUserAsync(NewUser("u-late", "late"), NewCredential("KEY-LATE", "u-late")));
    }
}
