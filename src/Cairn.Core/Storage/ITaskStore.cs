using Cairn.Core.Tasks;

namespace Cairn.Core.Storage;

/// <summary>
/// The part of the task store the models service uses (references, iteration, publishing,
/// model lists); the tasks service extends it.
/// </summary>
public interface ITaskStore
{
    /// <summary>A task of <paramref name="company"/> or a public one; null when there is none.</summary>
    Task<TaskInfo?> GetInfoOrNullAsync(string company, string id, CancellationToken cancellationToken = default);

    /// <summary>Names of the company's and public tasks among <paramref name="ids"/>, by id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Raises the task's last_iteration to <paramref name="iteration"/> if that is higher.</summary>
    Task RaiseLastIterationAsync(string company, string id, long iteration, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Changes the status if it is still <see cref="TaskStatusChange.ExpectedStatus"/>; false when it changed meanwhile.</summary>
    Task<bool> ChangeStatusAsync(string company, string id, TaskStatusChange change, CancellationToken cancellationToken = default);

    /// <summary>The task's input or output model list, in order.</summary>
    Task<IReadOnlyList<TaskModelItem>> GetModelsAsync(string id, bool output, CancellationToken cancellationToken = default);

    /// <summary>Replaces the entry with the same name in the task's input or output list, or appends it.</summary>
    Task AddOrUpdateModelAsync(string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default);

    /// <summary>The task's <c>execution</c> object (framework, model_desc, model_labels…), or null.</summary>
    Task<System.Text.Json.Nodes.JsonObject?> GetExecutionAsync(string id, CancellationToken cancellationToken = default);
}
