using System.Text.Json.Nodes;
using Cairn.Experiments;
using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;
using Cairn.Storage;

namespace Cairn;

/// <summary>
/// ClearML's Task: one run that creates and uses models, uploads artifacts and reports. Made by
/// <c>InitAsync</c> or <c>GetAsync</c>; closing it flushes uploads and events and marks it completed.
/// </summary>
public sealed partial class Experiment
{
    private readonly Lock _modelsLock = new();

    // Models this experiment made or connected in this process: closing flushes their reports.
    private readonly List<Model> _touchedModels = [];

    private TaskDocument _data;

    private ExperimentModels _models = ExperimentModels.Empty;

    private StorageManager? _storage;

    internal Experiment(ClearMLSession session, StorageManager storage, string id, string name, string projectId, string? projectName, string? outputUri)
        : this(session, id, name, projectId, projectName, outputUri) => _storage = storage;

    internal Experiment(ClearMLSession session, string id, string name, string projectId, string? projectName, string? outputUri)
    {
        Session = session;
        Id = id;
        Name = name;
        ProjectId = projectId;
        ProjectName = projectName;
        OutputUri = outputUri;
        _data = new TaskDocument { Id = id, Name = name, Project = projectId };
    }

    /// <summary>The task id (32 hex characters).</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The id of the task's project.</summary>
    public string ProjectId { get; }

    /// <summary>The full name of the task's project, when known.</summary>
    public string? ProjectName { get; }

    /// <summary>Where this experiment's models and artifacts are uploaded (<c>output_uri</c>); null for the configured default.</summary>
    public string? OutputUri { get; internal set; }

    /// <summary>The status when last read (<c>created</c>, <c>in_progress</c>, <c>completed</c>, <c>failed</c>…).</summary>
    public string? Status => _data.Status;

    /// <summary>The experiment's label enumeration (<c>execution.model_labels</c>) when last read.</summary>
    public IReadOnlyDictionary<string, int> Labels
    {
        get
        {
            var labels = new Dictionary<string, int>(StringComparer.Ordinal);
            if (_data.Execution?["model_labels"] is JsonObject map)
            {
                foreach (var (label, value) in map)
                {
                    if (value is JsonValue v && v.TryGetValue<int>(out var index))
                    {
                        labels[label] = index;
                    }
                }
            }
            return labels;
        }
    }

    internal ClearMLSession Session { get; }

    internal StorageManager Storage => _storage ??= SdkContext.StorageFor(Session);

    /// <summary>The task document when last read.</summary>
    internal TaskDocument Data => _data;

    /// <summary>
    /// Reads the task (<c>tasks.get_by_id</c>) and its <see cref="Models"/> again, to see what
    /// other processes changed; this process's own changes are reflected without it.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The task is gone or a call failed.</exception>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        await LoadModelsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the task document again (<c>tasks.get_by_id</c>), not its models.</summary>
    internal async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _data = await ReadTaskAsync(Session, Id, cancellationToken).ConfigureAwait(false);
    }

    internal void Touch(Model model)
    {
        lock (_modelsLock)
        {
            if (!_touchedModels.Contains(model))
            {
                _touchedModels.Add(model);
            }
        }
    }

    private List<Model> TouchedModels()
    {
        lock (_modelsLock)
        {
            return [.. _touchedModels];
        }
    }
}
