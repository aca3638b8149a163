using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Npgsql;

namespace Cairn.Store.Postgres;

internal sealed class PostgresIdentityStore(PostgresDatabase database) : IIdentityStore
{
    private const string UserColumns = "id, company, name, username, password_hash, role, created";
    private const string CredentialColumns = "access_key, secret_hash, user_id, label, created, last_used, last_used_from";

    /// <summary>The lock <see cref="TryAddFirstUserAsync"/> holds, so two replicas seeding at once add one first user.</summary>
    private const long FirstUserLockKey = 0x6361697266;

    public async Task<int> CountUsersAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM users", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> TryAddFirstUserAsync(User user, Credential credential, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // "No users yet" is a check on rows that do not exist, which no row lock covers: an
        // advisory lock for the transaction serialises replicas that check at the same time.
        await using (var check = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key); SELECT EXISTS (SELECT 1 FROM users)", connection, transaction))
        {
            check.Add("key", FirstUserLockKey);
            await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(0))
            {
                return false;
            }
        }
        await using (var insertUser = InsertUser(connection, user, ""))
        {
            insertUser.Transaction = transaction;
            await insertUser.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var insertCredential = InsertCredential(connection, credential, ""))
        {
            insertCredential.Transaction = transaction;
            await insertCredential.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task<User?> GetUserOrNullAsync(string id, CancellationToken cancellationToken = default) =>
        QueryUserAsync("id = @v", id, cancellationToken);

    public async Task<IReadOnlyDictionary<string, string>> GetUserNamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id, name FROM users WHERE id = ANY(@ids)", connection);
        command.AddTextArray("ids", ids.Distinct());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }
        return names;
    }

    public async Task<IReadOnlyList<User>> GetUsersAsync(string company, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var inIds = ids is null ? "" : " AND id = ANY(@ids)";
        command.CommandText = $"SELECT {UserColumns} FROM users WHERE company = @company{inIds} ORDER BY name, id";
        command.Add("company", company);
        if (ids is not null)
        {
            command.AddTextArray("ids", ids);
        }
        var users = new List<User>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(ReadUser(reader));
        }
        return users;
    }

    public Task<User?> FindUserByUsernameOrNullAsync(string username, CancellationToken cancellationToken = default) =>
        QueryUserAsync("username = @v", username, cancellationToken);

    public async Task UpsertUserAsync(User user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = InsertUser(connection, user, """
            ON CONFLICT (id) DO UPDATE SET company = excluded.company, name = excluded.name, username = excluded.username,
                password_hash = excluded.password_hash, role = excluded.role
            """);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand InsertUser(NpgsqlConnection connection, User user, string onConflict)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO users ({UserColumns}) VALUES (@id, @company, @name, @username, @password, @role, @created) {onConflict}";
        command.Add("id", user.Id);
        command.Add("company", user.Company);
        command.Add("name", user.Name);
        command.Add("username", user.Username);
        command.Add("password", user.PasswordHash);
        command.Add("role", user.Role);
        command.Add("created", PostgresValues.ToDb(user.Created));
        return command;
    }

    public async Task<bool> AddCredentialAsync(Credential credential, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = InsertCredential(connection, credential, "ON CONFLICT (access_key) DO NOTHING");
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task UpsertCredentialAsync(Credential credential, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = InsertCredential(connection, credential,
            "ON CONFLICT (access_key) DO UPDATE SET secret_hash = excluded.secret_hash, user_id = excluded.user_id, label = excluded.label");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<Credential?> FindCredentialOrNullAsync(string accessKey, CancellationToken cancellationToken = default)
    {
        var found = await QueryCredentialsAsync("access_key = @v", accessKey, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<Credential>> ListCredentialsAsync(string userId, CancellationToken cancellationToken = default) =>
        QueryCredentialsAsync("user_id = @v ORDER BY created, access_key", userId, cancellationToken);

    public async Task<bool> RevokeCredentialAsync(string userId, string accessKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM credentials WHERE user_id = @user AND access_key = @key", connection);
        command.Add("user", userId);
        command.Add("key", accessKey);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> SetCredentialLabelAsync(string userId, string accessKey, string? label, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE credentials SET label = @label WHERE user_id = @user AND access_key = @key", connection);
        command.Add("label", label);
        command.Add("user", userId);
        command.Add("key", accessKey);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task TouchCredentialAsync(string accessKey, DateTimeOffset when, string? from, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE credentials SET last_used = @when, last_used_from = @from WHERE access_key = @key", connection);
        command.Add("when", PostgresValues.ToDb(when));
        command.Add("from", from);
        command.Add("key", accessKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand InsertCredential(NpgsqlConnection connection, Credential credential, string onConflict)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO credentials ({CredentialColumns}) VALUES (@key, @secret, @user, @label, @created, NULL, NULL) {onConflict}";
        command.Add("key", credential.AccessKey);
        command.Add("secret", credential.SecretHash);
        command.Add("user", credential.UserId);
        command.Add("label", credential.Label);
        command.Add("created", PostgresValues.ToDb(credential.Created));
        return command;
    }

    private async Task<User?> QueryUserAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {UserColumns} FROM users WHERE {where}", connection);
        command.Add("v", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
    }

    private static User ReadUser(NpgsqlDataReader reader) =>
        new()
        {
            Id = reader.GetString(0),
            Company = reader.GetString(1),
            Name = reader.GetString(2),
            Username = reader.GetStringOrNull(3),
            PasswordHash = reader.GetStringOrNull(4),
            Role = reader.GetString(5),
            Created = PostgresValues.ToDateTime(reader.GetInt64(6)),
        };

    private async Task<IReadOnlyList<Credential>> QueryCredentialsAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {CredentialColumns} FROM credentials WHERE {where}", connection);
        command.Add("v", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var credentials = new List<Credential>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            credentials.Add(new Credential
            {
                AccessKey = reader.GetString(0),
                SecretHash = reader.GetString(1),
                UserId = reader.GetString(2),
                Label = reader.GetStringOrNull(3),
                Created = PostgresValues.ToDateTime(reader.GetInt64(4)),
                LastUsed = reader.IsDBNull(5) ? null : PostgresValues.ToDateTime(reader.GetInt64(5)),
                LastUsedFrom = reader.GetStringOrNull(6),
            });
        }
        return credentials;
    }
}
