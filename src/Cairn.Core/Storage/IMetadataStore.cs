using Cairn.Core.Identity;
using Cairn.Core.Models;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Cairn.Core.Tasks;

namespace Cairn.Core.Storage;

/// <summary>
/// The metadata store: one provider per process, chosen by configuration. Everything a second
/// replica would need (token revocations, scroll positions) lives here, never in process memory.
/// </summary>
public interface IMetadataStore
{
    IProjectStore Projects { get; }

    IModelStore Models { get; }

    ITaskStore Tasks { get; }

    IEventStore Events { get; }

    IFileStore Files { get; }

    IIdentityStore Identity { get; }

    ISessionStore Sessions { get; }

    /// <summary>The web UI's data-protection key ring.</summary>
    IDataProtectionKeyStore DataProtectionKeys { get; }

    /// <summary>
    /// <paramref name="exception"/> (thrown by this store, possibly wrapped) as a
    /// <see cref="StoreUnavailableException"/> when it says the database is unreachable or
    /// transiently unable to serve; null for every other failure (a bug, a constraint, bad input).
    /// </summary>
    StoreUnavailableException? AsUnavailableOrNull(Exception exception);

    /// <summary>Brings the schema to the version this build expects; safe to run on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>The schema version the store is at.</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);
}

public interface IProjectStore
{
    /// <summary>A project of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<Project?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>Full names of the company's and public projects among <paramref name="ids"/>, by id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

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

    // The lists behind the web UI's menus (projects.get_model_metadata_keys and friends). Each
    // covers the company's and public models or tasks, in <c>projects</c> or company-wide when null.

    /// <summary>The distinct metadata keys of the models, in ordinal order.</summary>
    Task<IReadOnlyList<string>> GetModelMetadataKeysAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default);

    /// <summary>One page of the distinct values of metadata key <paramref name="key"/>, in ordinal order, and how many there are in all.</summary>
    Task<(IReadOnlyList<string> Values, int Total)> GetModelMetadataValuesAsync(
        string company, IReadOnlyCollection<string>? projects, string key, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>The distinct metric/variant pairs in the last metrics of the models (or of the tasks when <paramref name="models"/> is false).</summary>
    Task<IReadOnlyList<MetricVariant>> GetMetricVariantsAsync(
        string company, IReadOnlyCollection<string>? projects, bool models, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default);

    /// <summary>The distinct tags (or system tags) of the tasks, in ordinal order.</summary>
    Task<IReadOnlyList<string>> GetTaskTagsAsync(string company, IReadOnlyCollection<string>? projects, bool systemTags, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the distinct hyper-parameter (section, name) pairs of the tasks, as stored
    /// (escaped, api.md §3.4) and in their ordinal order, and how many there are in all.
    /// </summary>
    Task<(IReadOnlyList<(string Section, string Name)> Parameters, int Total)> GetHyperParametersAsync(
        string company, IReadOnlyCollection<string>? projects, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the distinct values of the hyper-parameter <paramref name="section"/>.<paramref name="name"/>
    /// (escaped names) of the company's tasks, and the public ones with <paramref name="allowPublic"/>,
    /// in natural order, and how many there are; <paramref name="pattern"/> (.NET syntax) keeps the
    /// values it matches, ignoring case.
    /// </summary>
    Task<(IReadOnlyList<string> Values, int Total)> GetHyperParamValuesAsync(
        string company, bool allowPublic, IReadOnlyCollection<string>? projects, string section, string name, string? pattern,
        int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>The project of each of the tasks that exist and have one.</summary>
    Task<IReadOnlyDictionary<string, string>> GetTaskProjectsAsync(string company, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default);
}

/// <summary>A metric and variant as they are keyed in <c>last_metrics</c> (md5 hashes of the names).</summary>
public sealed record MetricVariant(string Metric, string MetricHash, string Variant, string VariantHash);

public interface IIdentityStore
{
    Task<int> CountUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the first user and its credential in one transaction, only if there are no users yet;
    /// false when another process got there first.
    /// </summary>
    Task<bool> TryAddFirstUserAsync(User user, Credential credential, CancellationToken cancellationToken = default);

    Task<User?> GetUserOrNullAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Display names of the users among <paramref name="ids"/>, by id.</summary>
    /// <summary>The company's users, by name; only those in <paramref name="ids"/> when given.</summary>
    Task<IReadOnlyList<User>> GetUsersAsync(string company, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, string>> GetUserNamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

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

    /// <summary>The state of a live scroll, or null when the id is unknown or expired.</summary>
    Task<ScrollState?> GetScrollAsync(string scrollId, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task SaveScrollAsync(string scrollId, ScrollState state, DateTimeOffset expires, CancellationToken cancellationToken = default);

    /// <summary>Removes expired revocations and scrolls.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

public interface IModelStore
{
    /// <summary>A model of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<Model?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a query over the company's and the public models, in the database. In natural order
    /// the page carries a cursor that continues after its last row (see <see cref="EntityQuery.After"/>).
    /// With <paramref name="fields"/>, only those document fields need to be read: the others may
    /// come back empty, so the caller must not return them.
    /// </summary>
    Task<QueryPage<Model>> QueryAsync(string company, EntityQuery query, IReadOnlySet<string>? fields = null, CancellationToken cancellationToken = default);

    /// <summary>Names of the company's and public models among <paramref name="ids"/>, by id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Whether any model, of any company, still has <paramref name="uri"/> as its weights URL.</summary>
    Task<bool> IsUriInUseAsync(string uri, CancellationToken cancellationToken = default);

    /// <summary>Distinct non-empty frameworks of the company's and public models, sorted; optionally only in <paramref name="projects"/>.</summary>
    Task<IReadOnlyList<string>> GetFrameworksAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default);

    /// <summary>Distinct tags (or system tags) of the company's and public models, sorted; optionally only in <paramref name="projects"/>.</summary>
    Task<IReadOnlyList<string>> GetTagsAsync(string company, IReadOnlyCollection<string>? projects, bool systemTags, CancellationToken cancellationToken = default);

    Task InsertAsync(Model model, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="changes"/> to a model the company owns. With
    /// <paramref name="onlyIfNotReady"/>, the write happens only while the model is not ready
    /// (compare-and-set for publishing). False when no such model (or it is already ready).
    /// </summary>
    Task<bool> UpdateAsync(string company, string id, ModelChanges changes, DateTimeOffset now, string user, bool onlyIfNotReady = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a company model (ready = true) that is not ready yet, and with it, when
    /// <paramref name="taskChange"/> is given, changes the status of task <paramref name="taskId"/>
    /// (compare-and-set): both happen in one transaction, or neither does.
    /// </summary>
    Task<ModelPublishOutcome> PublishAsync(string company, string id, string? taskId, TaskStatusChange? taskChange, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Upserts metadata entries (keyed by their unescaped key), or replaces the whole map, in one
    /// transaction. False when the company owns no such model.
    /// </summary>
    Task<bool> SetMetadataAsync(string company, string id, IReadOnlyList<MetadataItem> items, bool replace, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>Removes metadata keys. Null when the company owns no such model, else whether anything was removed.</summary>
    Task<bool?> DeleteMetadataAsync(string company, string id, IReadOnlyList<string> keys, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds, then removes, tags (or system tags) on the company's models among <paramref name="ids"/>;
    /// returns how many of the ids are company models (ClearML's matched count), changed or not.
    /// </summary>
    Task<int> UpdateTagsAsync(string company, IReadOnlyCollection<string> ids, IReadOnlyList<string> add, IReadOnlyList<string> remove, bool systemTags, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>Moves the company's models to <paramref name="project"/> (null = the root); the number moved.</summary>
    Task<int> MoveAsync(string company, IReadOnlyCollection<string> ids, string? project, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the company's models public (company "", owner kept as company_origin), or back
    /// private; all or nothing. Returns the ids that could not be changed (none when it was done).
    /// </summary>
    Task<IReadOnlyList<string>> SetPublicAsync(string company, IReadOnlyCollection<string> ids, bool makePublic, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a company model with ClearML's rules, in one transaction: tasks using it as an
    /// input block the delete unless <paramref name="force"/> (their reference then becomes
    /// <c>__DELETED__&lt;id&gt;</c>); a published creating task blocks it likewise (its output
    /// reference is marked deleted and its output.error set); otherwise the creating task's output
    /// entry is removed.
    /// </summary>
    Task<ModelDeleteResult> DeleteAsync(string company, string id, bool force, DateTimeOffset now, CancellationToken cancellationToken = default);
}

