using Cairn.Session;
using Cairn.Storage;

namespace Cairn;

/// <summary>
/// ClearML's Task: one run that creates and uses models, uploads artifacts and reports. Made by
/// <c>InitAsync</c> or <c>GetAsync</c>; closing it flushes uploads and events and marks it completed.
/// </summary>
public sealed partial class Experiment
{
    internal Experiment(ClearMLSession session, StorageManager storage, string id, string name, string projectId, string? projectName, string? outputUri)
    {
        Session = session;
        Storage = storage;
        Id = id;
        Name = name;
        ProjectId = projectId;
        ProjectName = projectName;
        OutputUri = outputUri;
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

    internal ClearMLSession Session { get; }

    internal StorageManager Storage { get; }
}
