using Cairn.Configuration;

namespace Cairn.Storage;

/// <summary>
/// Where uploads go (sdk.md §6.3) and ClearML's layout under the destination:
/// <c>&lt;destination&gt;/&lt;project&gt;/&lt;task name&gt;.&lt;task id&gt;/models/&lt;file&gt;</c> (and <c>…/artifacts/&lt;name&gt;/&lt;file&gt;</c>).
/// </summary>
public static class UploadDestination
{
    private const int MaxProjectPathLength = 256;

    private const int MaxTaskFolderLength = 128;

    /// <summary>
    /// The first destination given, in ClearML's order: the model's upload URI, the experiment's
    /// output URI, the project's default output destination, the configured default output URI,
    /// then the files server. A value of <c>"true"</c> means the files server; empty or <c>"false"</c> means unset.
    /// </summary>
    /// <exception cref="InvalidOperationException">Nothing is set and no files server is configured.</exception>
    public static string Resolve(ClearMLSettings settings, string? modelUploadUri = null, string? experimentOutputUri = null, string? projectDefaultOutputUri = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var candidate in new[] { modelUploadUri, experimentOutputUri, projectDefaultOutputUri, settings.DefaultOutputUri })
        {
            if (string.IsNullOrWhiteSpace(candidate) || candidate.Trim().Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            return candidate.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) ? FilesServer(settings) : candidate.Trim().TrimEnd('/');
        }
        return FilesServer(settings);
    }

    /// <summary>The files server as a destination.</summary>
    /// <exception cref="InvalidOperationException">No files server is configured.</exception>
    public static string FilesServer(ClearMLSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.FilesHost?.ToString().TrimEnd('/')
            ?? throw new InvalidOperationException("No upload destination: set an output URI, sdk.development.default_output_uri, or the files server (api.files_server / CLEARML_FILES_HOST).");
    }

    /// <summary>
    /// <c>&lt;project&gt;/&lt;task name&gt;.&lt;task id&gt;</c> as ClearML writes it: the project path cut
    /// below 256 characters (then suffixed with <c>.&lt;project id&gt;</c>), the task name cut so the
    /// folder fits 128 characters with its id, both quoted with <see cref="StorageUrl.QuoteName"/>.
    /// </summary>
    public static string TaskFolder(string projectName, string taskName, string taskId, string? projectId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectName);
        ArgumentNullException.ThrowIfNull(taskName);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        var project = projectName;
        if (project.Length >= MaxProjectPathLength)
        {
            var suffix = "." + (projectId ?? "");
            project = project[..(MaxProjectPathLength - 1 - suffix.Length)] + suffix;
        }
        var room = MaxTaskFolderLength - taskId.Length - 1;
        var task = (taskName.Length > room ? taskName[..Math.Max(room, 0)] : taskName) + "." + taskId;
        return StorageUrl.QuoteName(project) + "/" + StorageUrl.QuoteName(task);
    }

    /// <summary>
    /// The URL a model file of an experiment is uploaded to:
    /// <c>&lt;destination&gt;/&lt;project&gt;/&lt;task name&gt;.&lt;task id&gt;/models/&lt;file&gt;</c>, path-quoted for http(s).
    /// </summary>
    public static string ModelUrl(string destination, string projectName, string taskName, string taskId, string fileName, string? projectId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return Join(destination, TaskFolder(projectName, taskName, taskId, projectId), "models", fileName);
    }

    /// <summary>Joins a destination and path segments and quotes the result as ClearML stores http(s) URLs.</summary>
    public static string Join(string destination, params string[] segments)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(segments);
        return StorageUrl.Quote(destination.TrimEnd('/') + "/" + string.Join('/', segments.Select(s => s.Trim('/'))));
    }
}
