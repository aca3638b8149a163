using Cairn.Experiments;
using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;

namespace Cairn;

public sealed partial class Experiment
{
    /// <summary>
    /// Starts a new experiment, as ClearML's <c>Task.init</c>: creates the project when it does not
    /// exist, creates the task (<c>tasks.create</c>), marks it running (<c>tasks.started</c>) and
    /// records its output destination. A task is never reused; every call makes a new one.
    /// </summary>
    /// <param name="projectName">The project's full name (<c>a/b</c> for a sub-project).</param>
    /// <param name="taskName">The experiment's name.</param>
    /// <param name="taskType">One of <see cref="ExperimentType"/>.</param>
    /// <param name="outputUri">Where models and artifacts go (see <see cref="OutputDestination"/>); <c>true</c> means the files server.</param>
    /// <param name="tags">User tags of the experiment.</param>
    /// <param name="session">The connection; null for the one made from the configuration.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="ArgumentException">A name is empty, the type is unknown, or the output URI's scheme is not supported.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="outputUri"/> is <c>true</c> but no files server is configured.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a call.</exception>
    public static async Task<Experiment> InitAsync(string projectName, string taskName, string taskType = ExperimentType.Training,
        OutputDestination outputUri = default, IEnumerable<string>? tags = null, ClearMLSession? session = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectName);
        ArgumentException.ThrowIfNullOrWhiteSpace(taskName);
        if (!ExperimentType.All.Contains(taskType))
        {
            throw new ArgumentException($"'{taskType}' is not a task type; use one of {string.Join(", ", ExperimentType.All)}.", nameof(taskType));
        }
        session ??= SdkContext.DefaultSession;
        var explicitUri = outputUri.Kind == OutputDestinationKind.Uri ? ModelDestination.ConformDestination(outputUri.Uri!, nameof(outputUri), session) : null;

        var projectId = await ProjectDirectory.GetOrCreateAsync(session, projectName, cancellationToken).ConfigureAwait(false);
        var create = new CreateTaskRequest
        {
            Name = taskName,
            Type = taskType,
            Project = projectId,
            SystemTags = ["development"],
            Comment = "",
            Tags = tags?.ToList() is { Count: > 0 } tagList ? [.. tagList] : null,
        };
        var created = await session.CallAsync<IdResponse>("tasks.create", create, cancellationToken).ConfigureAwait(false);
        var id = created.Id ?? throw new ClearMLRequestException("tasks.create", 0, 0, "the answer holds no task id", null);
        await session.CallAsync("tasks.started", new TaskStatusRequest { Task = id, Force = false }, cancellationToken).ConfigureAwait(false);

        var (fullProjectName, projectDefault) = await ProjectDirectory.GetAsync(session, projectId, cancellationToken).ConfigureAwait(false);
        var destination = outputUri.Kind switch
        {
            OutputDestinationKind.Uri => explicitUri,
            OutputDestinationKind.None => null,
            OutputDestinationKind.FilesServer => NonEmpty(projectDefault) ?? NonEmpty(session.Settings.DefaultOutputUri)
                ?? session.Settings.FilesHost?.AbsoluteUri.TrimEnd('/')
                ?? throw new InvalidOperationException("outputUri is true but no files server is configured (CLEARML_FILES_HOST or api.files_server)."),
            _ => NonEmpty(projectDefault) ?? NonEmpty(session.Settings.DefaultOutputUri),
        };
        if (destination is not null)
        {
            await session.CallAsync("tasks.edit", new EditTaskRequest { Task = id, Force = true, OutputDest = destination }, cancellationToken).ConfigureAwait(false);
        }
        var experiment = new Experiment(session, id, taskName, projectId, fullProjectName ?? projectName, destination);
        await experiment.ReloadAsync(cancellationToken).ConfigureAwait(false);
        experiment.BecomeCurrent();
        return experiment; // A new task has no models: Models is empty without asking.
    }

    /// <summary>Starts a new experiment as <see cref="InitAsync(string, string, string, OutputDestination, IEnumerable{string}?, ClearMLSession?, CancellationToken)"/>, from an options object.</summary>
    /// <param name="options">The project, name, type, output destination and tags.</param>
    /// <param name="session">The connection; null for the default client's.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The output URI's scheme is not supported.</exception>
    /// <exception cref="InvalidOperationException">The output URI is <c>true</c> but no files server is configured.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a call.</exception>
    public static Task<Experiment> InitAsync(ExperimentInitOptions options, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return InitAsync(options.ProjectName, options.TaskName, options.TaskType, options.OutputUri, options.Tags, session, cancellationToken);
    }

    /// <summary>Opens the experiment <paramref name="id"/> (<c>tasks.get_by_id</c>, <c>projects.get_by_id</c>) with its <see cref="Models"/> loaded.</summary>
    /// <exception cref="ClearMLRequestException">No such task (400/101), or a call failed.</exception>
    public static async Task<Experiment> GetAsync(string id, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        session ??= SdkContext.DefaultSession;
        var task = await ReadTaskAsync(session, id, cancellationToken).ConfigureAwait(false);
        var projectId = task.Project ?? "";
        var projectName = projectId.Length == 0 ? null : (await ProjectDirectory.GetAsync(session, projectId, cancellationToken).ConfigureAwait(false)).Name;
        var experiment = new Experiment(session, id, task.Name ?? "", projectId, projectName, NonEmpty(task.Output?.Destination))
        {
            _data = task,
        };
        await experiment.LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        return experiment;
    }

    /// <summary>
    /// The newest experiment named exactly <paramref name="taskName"/> in project
    /// <paramref name="projectName"/> (non-archived ones first), as ClearML's <c>Task.get_task</c>; null when none matches.
    /// </summary>
    /// <exception cref="ArgumentException">No project is named <paramref name="projectName"/>.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public static async Task<Experiment?> GetByNameAsync(string projectName, string taskName, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectName);
        ArgumentException.ThrowIfNullOrWhiteSpace(taskName);
        session ??= SdkContext.DefaultSession;
        var projectId = await ProjectDirectory.FindIdAsync(session, projectName, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"No project is named '{projectName}'.", nameof(projectName));
        var data = await session.CallAsync<GetAllTasksResponse>("tasks.get_all", new GetAllTasksRequest
        {
            Project = [projectId],
            Name = ClearmlText.ExactNameRegex(taskName),
            OnlyFields = ["id", "name", "last_update", "system_tags"],
            OrderBy = ["-last_update"],
            SearchHidden = false,
        }, cancellationToken).ConfigureAwait(false);
        var best = (data.Tasks ?? [])
            .OrderBy(t => t.SystemTags?.Contains("archived") == true ? 1 : 0)
            .ThenByDescending(t => t.LastUpdate)
            .FirstOrDefault();
        return best?.Id is { } id ? await GetAsync(id, session, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The task document (<c>tasks.get_by_id</c>).</summary>
    internal static async Task<TaskDocument> ReadTaskAsync(ClearMLSession session, string id, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync<GetTaskByIdResponse>("tasks.get_by_id", new TaskRequest { Task = id }, cancellationToken).ConfigureAwait(false);
        return data.Task ?? throw new ClearMLRequestException("tasks.get_by_id", 0, 0, $"the answer for task {id} holds no task", null);
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
