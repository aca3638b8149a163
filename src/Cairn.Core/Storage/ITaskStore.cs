using System.Text.Json.Nodes;
using Cairn.Core.Querying;
using Cairn.Core.Tasks;

namespace Cairn.Core.Storage;

/// <summary>The task store: task documents, their model lists and status changes (api.md §5).</summary>
public interface ITaskStore
{
    /// <summary>A task of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<TaskInfo?> GetInfoOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>The whole task document of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<TaskRecord?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a query over the company's and the public tasks, in the database. In natural order
    /// the page carries a cursor that continues after its last row.
    /// </summary>
    Task<QueryPage<TaskRecord>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default);

    /// <summary>Names of the company's and public tasks among <paramref name="ids"/>, by id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new task with its model lists.</summary>
    Task InsertAsync(TaskRecord task, CancellationToken cancellationToken = default);

    /// <summary>
    /// Read-modify-write of a company task in one write transaction: <paramref name="change"/>
    /// sees the current document and returns what to write (or throws to write nothing).
    /// Null when the company owns no such task; otherwise the changes written.
    /// </summary>
    Task<TaskChanges?> UpdateAsync(string company, string id, Func<TaskRecord, TaskChanges> change, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>Raises the task's last_iteration to <paramref name="iteration"/> if that is higher.</summary>
    Task RaiseLastIterationAsync(string company, string id, long iteration, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Changes the status if it is still <see cref="TaskStatusChange.ExpectedStatus"/>; false when it changed meanwhile.</summary>
    Task<bool> ChangeStatusAsync(string company, string id, TaskStatusChange change, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resets a company task that is still in <paramref name="expectedStatus"/> to created: clears
    /// started/completed/published, active_duration, last_iteration, last_metrics, output result and
    /// error, runtime, <c>execution.queue</c>, the output model list and the output artifacts. With
    /// <paramref name="clearAll"/> also the whole execution, the script and the input artifacts.
    /// Returns whether it was reset (false when the status changed meanwhile) and the output list it
    /// emptied, read in the same transaction.
    /// </summary>
    Task<TaskResetResult> ResetAsync(string company, string id, string expectedStatus, bool clearAll, DateTimeOffset now, string user, CancellationToken cancellationToken = default);

    /// <summary>Marks a company task alive: bumps last_update (and active_duration while in progress). False when there is no such task.</summary>
    Task<bool> PingAsync(string company, string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops every in-progress task (of any company) whose last_update is before <paramref name="staleBefore"/>,
    /// with <paramref name="reason"/>; the number stopped. Each row is changed only while still in progress.
    /// </summary>
    Task<int> StopNonRespondingAsync(DateTimeOffset staleBefore, string reason, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a company task in one write transaction that first checks ClearML's rules against
    /// what it reads (so a task published or changed meanwhile is judged as it is now): unless
    /// <paramref name="force"/>, the task must be created or archived, have no published child, and
    /// no ready model it created or lists as output. Its children lose their parent; its output
    /// models that are not ready and not used as an input elsewhere are deleted when
    /// <paramref name="deleteOutputModels"/>; every other model it created keeps a
    /// <c>__DELETED__&lt;id&gt;</c> task reference. A refusal changes nothing.
    /// </summary>
    Task<TaskDeleteResult> DeleteAsync(string company, string id, bool force, bool deleteOutputModels, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The input or output model list of a company task (or a public one), in order; empty when there is no such task.</summary>
    Task<IReadOnlyList<TaskModelItem>> GetModelsAsync(string company, string id, bool output, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the entry with the same name in a company task's input or output list, or appends
    /// it; false (nothing written) when the company owns no such task.
    /// </summary>
    Task<bool> AddOrUpdateModelAsync(string company, string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default);

    /// <summary>The <c>execution</c> object (framework, model_desc, model_labels…) of a company task or a public one, or null.</summary>
    Task<JsonObject?> GetExecutionAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The task's input or output model list, whatever its company. Kept for the models service,
    /// which has already scoped the task; new callers use the company overload.
    /// </summary>
    Task<IReadOnlyList<TaskModelItem>> GetModelsAsync(string id, bool output, CancellationToken cancellationToken = default);

    /// <summary>Unscoped form of the company overload, kept for the models service, which has already scoped the task.</summary>
    Task AddOrUpdateModelAsync(string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default);

    /// <summary>Unscoped form of the company overload, kept for the models service, which has already scoped the task.</summary>
    Task<JsonObject?> GetExecutionAsync(string id, CancellationToken cancellationToken = default);
}
