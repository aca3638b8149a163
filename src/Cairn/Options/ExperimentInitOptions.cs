using Cairn.Experiments;

namespace Cairn;

/// <summary>
/// The arguments of <see cref="Experiment.InitAsync(ExperimentInitOptions, Session.ClearMLSession?, CancellationToken)"/>
/// (ClearML's <c>Task.init</c>). A blank name or an unknown task type is rejected when the options are built.
/// </summary>
public sealed record ExperimentInitOptions
{
    private readonly string _taskType = ExperimentType.Training;

    /// <summary>Options for a new experiment <paramref name="taskName"/> in <paramref name="projectName"/>.</summary>
    /// <exception cref="ArgumentException">A name is blank.</exception>
    public ExperimentInitOptions(string projectName, string taskName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectName);
        ArgumentException.ThrowIfNullOrWhiteSpace(taskName);
        ProjectName = projectName;
        TaskName = taskName;
    }

    /// <summary>The project's full name (<c>a/b</c> for a sub-project); created when missing.</summary>
    public string ProjectName { get; }

    /// <summary>The experiment's name.</summary>
    public string TaskName { get; }

    /// <summary>One of <see cref="ExperimentType"/> (default <see cref="ExperimentType.Training"/>).</summary>
    /// <exception cref="ArgumentException">Not a ClearML task type.</exception>
    public string TaskType
    {
        get => _taskType;
        init => _taskType = ExperimentType.All.Contains(value)
            ? value
            : throw new ArgumentException($"'{value}' is not a task type; use one of {string.Join(", ", ExperimentType.All)}.", nameof(TaskType));
    }

    /// <summary>Where models and artifacts go (see <see cref="OutputDestination"/>); <c>true</c> means the files server.</summary>
    public OutputDestination OutputUri { get; init; }

    /// <summary>User tags of the experiment.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
}
