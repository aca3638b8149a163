using Cairn.Core.Identity;
using Cairn.Core.Projects;
using Cairn.Core.Querying;

namespace Cairn.Core.Storage;

/// <summary>
/// The metadata store: one provider per process, chosen by configuration. Everything a second
/// replica would need (token revocations, scroll positions) lives here, never in process memory.
/// </summary>
public interface IMetadataStore
{
    IProjectStore Projects { get; }

    IIdentityStore Identity { get; }

    ISessionStore Sessions { get; }

    /// <summary>Brings the schema to the version this build expects; safe to run on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>The schema version the store is at.</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);
}

public interface IProjectStore
{
    /// <summary>A project of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<Project?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>Runs a query over the company's and the public projects, in the database.</summary>
    Task<IReadOnlyList<Project>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default);

    /// <summary>Creates the project and any missing ancestors in one transaction.</summary>
    Task<ProjectCreateResult> CreateAsync(NewProject project, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Finds a company project by full name, creating it (and its ancestors) when missing.</summary>
    Task<string> GetOrCreateAsync(NewProject project, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="changes"/>; a rename also renames every subproject.</summary>
    Task<ProjectUpdateOutcome> UpdateAsync(string company, string id, ProjectChanges changes, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>What each project directly holds. Ids without contents are reported with zero counts.</summary>
    Task<IReadOnlyDictionary<string, ProjectContents>> GetContentsAsync(string company, IReadOnlyCollection<string> ids, bool includeSubprojects, CancellationToken cancellationToken = default);

    /// <summary>Every project below any of <paramref name="ids"/>, at any depth.</summary>
    Task<IReadOnlyList<SubProject>> GetDescendantsAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Statistics over the archived or the active (non-archived) tasks of each project, and of
    /// its subprojects when <paramref name="includeSubprojects"/> is set.
    /// </summary>
    Task<IReadOnlyDictionary<string, ProjectTaskStats>> GetTaskStatsAsync(
        string company, IReadOnlyCollection<string> ids, bool includeSubprojects, bool archived, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the company project and its subprojects in one transaction. Their models and tasks
    /// are moved to the root (no project) so nothing is lost, or deleted with them when
    /// <paramref name="deleteContents"/> is set. The caller checks the "holds contents" rule.
    /// </summary>
    Task<ProjectDeleteResult> DeleteAsync(string company, string id, bool deleteContents, CancellationToken cancellationToken = default);
}

public interface IIdentityStore
{
    Task<int> CountUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the first user and its credential in one transaction, only if there are no users yet;
    /// false when another process got there first.
    /// </summary>
    Task<bool> TryAddFirstUserAsync(User user, Credential credential, CancellationToken cancellationToken = default);

    Task<User?> GetUserOrNullAsync(string id, CancellationToken cancellationToken = default);

    Task<User?> FindUserByUsernameOrNullAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Inserts the user or replaces the one with the same id.</summary>
    Task UpsertUserAsync(User user, CancellationToken cancellationToken = default);

    /// <summary>Adds a credential; false when the access key already exists.</summary>
    Task<bool> AddCredentialAsync(Credential credential, CancellationToken cancellationToken = default);

    /// <summary>Replaces the secret of an existing key, or adds the credential. Used for configured (seeded) keys.</summary>
    Task UpsertCredentialAsync(Credential credential, CancellationToken cancellationToken = default);

    Task<Credential?> FindCredentialOrNullAsync(string accessKey, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Credential>> ListCredentialsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the user's credential; false when the user has no such key.</summary>
    Task<bool> RevokeCredentialAsync(string userId, string accessKey, CancellationToken cancellationToken = default);

    /// <summary>Sets the label of the user's credential; false when the user has no such key.</summary>
    Task<bool> SetCredentialLabelAsync(string userId, string accessKey, string? label, CancellationToken cancellationToken = default);

    /// <summary>Records that the credential was used, from where.</summary>
    Task TouchCredentialAsync(string accessKey, DateTimeOffset when, string? from, CancellationToken cancellationToken = default);
}

/// <summary>State that outlives one request and must be shared by every replica.</summary>
public interface ISessionStore
{
    /// <summary>Marks a token's session as revoked until it would have expired anyway.</summary>
    Task RevokeTokenAsync(string sessionId, DateTimeOffset expires, CancellationToken cancellationToken = default);

    Task<bool> IsTokenRevokedAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>The position of a live scroll, or null when the id is unknown or expired.</summary>
    Task<int?> GetScrollPositionAsync(string scrollId, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task SaveScrollPositionAsync(string scrollId, int position, DateTimeOffset expires, CancellationToken cancellationToken = default);

    /// <summary>Removes expired revocations and scrolls.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}
