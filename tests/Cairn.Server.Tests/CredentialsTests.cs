using Cairn.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>API credentials of the calling user (api.md §2.6), and how they are stored.</summary>
public sealed class CredentialsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Created_credentials_have_clearmls_shape_and_authenticate()
    {
        using var client = _server.Client();
        var credentials = (await client.CallAsync("auth.create_credentials", new { label = "laptop" })).Ok()["credentials"]!;
        var key = credentials["access_key"]!.GetValue<string>();
        var secret = credentials["secret_key"]!.GetValue<string>();
        Assert.Matches("^[A-Z0-9]{30}$", key);
        Assert.Equal(67, secret.Length);
        Assert.DoesNotMatch("^[-_]", secret);
        Assert.Equal("laptop", credentials["label"]!.GetValue<string>());

        using var withNewKey = new ApiClient(_server.ApiUrl, ApiClient.Basic(key, secret));
        (await withNewKey.CallAsync("auth.login")).Ok();
    }

    [Fact]
    public async Task Listed_credentials_never_include_a_secret_and_show_last_use()
    {
        using var client = _server.Client();
        var created = (await client.CallAsync("auth.create_credentials")).Ok()["credentials"]!;
        var key = created["access_key"]!.GetValue<string>();
        using var withNewKey = new ApiClient(_server.ApiUrl, ApiClient.Basic(key, created["secret_key"]!.GetValue<string>()));
        await withNewKey.SendAsync("auth.login", "", "application/json", headers: [new("X-ClearML-Worker", "laptop-1")]);

        var listed = (await client.CallAsync("auth.get_credentials")).Ok()["credentials"]!.AsArray();
        var entry = listed.Single(c => c!["access_key"]!.GetValue<string>() == key)!.AsObject();
        Assert.False(entry.ContainsKey("secret_key"));
        Assert.Equal("laptop-1", entry["last_used_from"]!.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(entry["last_used"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Contains(listed, c => c!["access_key"]!.GetValue<string>() == TestServer.AccessKey);
    }

    [Fact]
    public async Task A_label_can_be_edited()
    {
        using var client = _server.Client();
        var key = (await client.CallAsync("auth.create_credentials", new { label = "old" })).Ok()["credentials"]!["access_key"]!.GetValue<string>();
        Assert.Equal(1, (await client.CallAsync("auth.edit_credentials", new { access_key = key, label = "new" })).Ok()["updated"]!.GetValue<int>());
        var listed = (await client.CallAsync("auth.get_credentials")).Ok()["credentials"]!.AsArray();
        Assert.Equal("new", listed.Single(c => c!["access_key"]!.GetValue<string>() == key)!["label"]!.GetValue<string>());
    }

    [Fact]
    public async Task Editing_an_unknown_key_is_400_75()
    {
        using var client = _server.Client();
        (await client.CallAsync("auth.edit_credentials", new { access_key = "NOSUCHKEY", label = "x" })).Fails(400, 75);
    }

    [Fact]
    public async Task A_revoked_key_no_longer_authenticates()
    {
        using var client = _server.Client();
        var created = (await client.CallAsync("auth.create_credentials")).Ok()["credentials"]!;
        var key = created["access_key"]!.GetValue<string>();
        Assert.Equal(1, (await client.CallAsync("auth.revoke_credentials", new { access_key = key })).Ok()["revoked"]!.GetValue<int>());
        using var withRevoked = new ApiClient(_server.ApiUrl, ApiClient.Basic(key, created["secret_key"]!.GetValue<string>()));
        (await withRevoked.CallAsync("auth.login")).Fails(401, 22);
        (await client.CallAsync("auth.revoke_credentials", new { access_key = key })).Fails(400, 300);
    }

    [Fact]
    public async Task Revoking_needs_an_access_key()
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("auth.revoke_credentials", new { })).Fails(400, 12);
        Assert.Equal("Validation error (error for field 'access_key'. field is required!)", response.Message);
    }

    [Fact]
    public async Task Another_users_key_cannot_be_revoked_or_edited()
    {
        await using var server = await TestServer.StartAsync(
        [
            "--Cairn:Users:1:Username=other",
            "--Cairn:Users:1:Password=other-password",
            "--Cairn:Credentials:1:AccessKey=OTHERKEY0000000000000001",
            "--Cairn:Credentials:1:SecretKey=other-secret-0123456789abcdef",
            "--Cairn:Credentials:1:User=other",
        ]);
        using var client = server.Client();
        (await client.CallAsync("auth.revoke_credentials", new { access_key = "OTHERKEY0000000000000001" })).Fails(400, 300);
        (await client.CallAsync("auth.edit_credentials", new { access_key = "OTHERKEY0000000000000001", label = "mine" })).Fails(400, 75);
        using var other = new ApiClient(server.ApiUrl, ApiClient.Basic("OTHERKEY0000000000000001", "other-secret-0123456789abcdef"));
        var listed = (await other.CallAsync("auth.get_credentials")).Ok()["credentials"]!.AsArray();
        Assert.Equal("configured", Assert.Single(listed)!["label"]!.GetValue<string>());
    }

    [Fact]
    public async Task Secrets_and_passwords_are_stored_only_as_hashes()
    {
        using var client = _server.Client();
        var secret = (await client.CallAsync("auth.create_credentials")).Ok()["credentials"]!["secret_key"]!.GetValue<string>();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "cairn.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(secret_hash, ' ') FROM credentials; SELECT group_concat(password_hash, ' ') FROM users;";
        using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var secretHashes = reader.GetString(0);
        await reader.NextResultAsync();
        await reader.ReadAsync();
        var passwordHashes = reader.GetString(0);
        Assert.DoesNotContain(secret, secretHashes);
        Assert.DoesNotContain(TestServer.SecretKey, secretHashes);
        Assert.Contains("sha256$", secretHashes);
        Assert.DoesNotContain(TestServer.Password, passwordHashes);
        Assert.Contains("pbkdf2-sha256$", passwordHashes);
    }
}
