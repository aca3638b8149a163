using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Artifacts;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Storage;

namespace Cairn;

/// <summary>The experiment's artifacts: uploads (files, folders, text, bytes, JSON objects) and reading them back.</summary>
public sealed partial class Experiment
{
    private readonly ConcurrentDictionary<string, Artifact> _artifacts = new(StringComparer.Ordinal);

    private readonly List<Task> _pendingArtifactUploads = [];

    private string? _projectNameForUploads;

    /// <summary>
    /// The artifacts known to this object: those uploaded through it and those read by
    /// <see cref="RefreshArtifactsAsync"/>. Keyed by name.
    /// </summary>
    public IReadOnlyDictionary<string, Artifact> Artifacts => _artifacts;

    /// <summary>
    /// Uploads an artifact and registers it on the experiment (<c>tasks.add_or_update_artifacts</c>),
    /// as ClearML's <c>upload_artifact</c>: a file path or <see cref="FileInfo"/> is uploaded as is
    /// (type <c>custom</c>; the user's file is never deleted); a folder path or <see cref="DirectoryInfo"/>
    /// is zipped (<c>archive</c>); an http(s)/s3/gs/azure URL is registered without upload; other text
    /// becomes <c>&lt;name&gt;.txt</c> (<c>string</c>); <c>byte[]</c> and <see cref="Stream"/> become
    /// <c>&lt;name&gt;.bin</c> (<c>custom</c>); any other object is written as JSON with System.Text.Json
    /// (<c>dict</c>, <c>&lt;name&gt;.json</c>). The record carries the type, SHA-256, size, a preview and
    /// <paramref name="metadata"/>. An artifact with the same name is replaced.
    /// </summary>
    /// <param name="name">The artifact's name.</param>
    /// <param name="artifactObject">What to store.</param>
    /// <param name="metadata">Shown with the artifact (ClearML's <c>display_data</c>).</param>
    /// <param name="preview">The preview text; null for the default of the type.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The registered artifact, once uploaded. <see cref="FlushArtifactsAsync"/> (called on close) also waits for it.</returns>
    /// <exception cref="ArgumentException">The name is empty, or the object cannot be serialized.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the record (e.g. the experiment is completed).</exception>
    public Task<Artifact> UploadArtifactAsync(string name, object artifactObject, IReadOnlyDictionary<string, string>? metadata = null, string? preview = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(artifactObject);
        var upload = UploadArtifactCoreAsync(name, artifactObject, metadata, preview, cancellationToken);
        lock (_pendingArtifactUploads)
        {
            _pendingArtifactUploads.RemoveAll(t => t.IsCompletedSuccessfully);
            _pendingArtifactUploads.Add(upload);
        }
        return upload;
    }

    /// <summary>Reads the experiment's artifacts from the server (<c>tasks.get_by_id</c>) into <see cref="Artifacts"/>.</summary>
    /// <exception cref="ClearMLRequestException">The server refused the call.</exception>
    public async Task<IReadOnlyDictionary<string, Artifact>> RefreshArtifactsAsync(CancellationToken cancellationToken = default)
    {
        var task = await ReadTaskAsync(Session, Id, cancellationToken).ConfigureAwait(false);
        LoadArtifacts(task.Execution?["artifacts"]);
        return Artifacts;
    }

    /// <summary>Replaces the known artifacts with a task document's <c>execution.artifacts</c>.</summary>
    /// <exception cref="ClearMLRequestException">The records are not ClearML's artifact shape.</exception>
    private void LoadArtifacts(JsonNode? records)
    {
        List<TaskArtifactDto?>? artifacts;
        try
        {
            artifacts = records?.Deserialize(ClearmlJson.TypeInfo<List<TaskArtifactDto?>>());
        }
        catch (JsonException e)
        {
            throw new ClearMLRequestException("tasks.get_by_id", 200, 0, $"the task's execution.artifacts are not artifact records: {e.Message}", null, e);
        }
        _artifacts.Clear();
        foreach (var record in artifacts ?? [])
        {
            if (record is not null)
            {
                var artifact = new Artifact(Storage, record);
                _artifacts[artifact.Name] = artifact;
            }
        }
    }

    /// <summary>Waits for every artifact upload started through this object; throws the first failure.</summary>
    internal async Task FlushArtifactsAsync(CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_pendingArtifactUploads)
        {
            pending = [.. _pendingArtifactUploads];
        }
        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A finished upload is reported once: a failure surfaced here is not rethrown by later flushes.
            lock (_pendingArtifactUploads)
            {
                _pendingArtifactUploads.RemoveAll(t => t.IsCompleted && pending.Contains(t));
            }
        }
    }

    private async Task<Artifact> UploadArtifactCoreAsync(string name, object value, IReadOnlyDictionary<string, string>? metadata, string? preview, CancellationToken cancellationToken)
    {
        // Let the caller go on while the serialization and upload run (as ClearML's background upload).
        await Task.Yield();
        var scratch = Directory.CreateTempSubdirectory("cairn-artifact-").FullName;
        try
        {
            var payload = await ArtifactPayload.PrepareAsync(name, value, scratch, preview, cancellationToken).ConfigureAwait(false);
            var record = new TaskArtifactDto
            {
                Key = name,
                Type = payload.Type,
                Mode = "output",
                Timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                TypeData = new TaskArtifactTypeDataDto { Preview = payload.Preview, ContentType = payload.ContentType },
                DisplayData = [.. (metadata ?? new Dictionary<string, string>()).Select(p => (IReadOnlyList<string?>)[p.Key, p.Value])],
            };
            if (payload.RegisterUri is { } remote)
            {
                record = record with { Uri = remote };
            }
            else
            {
                var destination = UploadDestination.Resolve(Session.Settings, experimentOutputUri: OutputUri);
                var project = await ProjectNameForUploadsAsync(cancellationToken).ConfigureAwait(false);
                var url = UploadDestination.Join(destination, UploadDestination.TaskFolder(project, Name, Id, ProjectId),
                    "artifacts", ArtifactNames.Sanitize(name), ArtifactNames.Sanitize(payload.FileName));
                var uploaded = await Storage.UploadFileAsync(payload.LocalPath!, url, cancellationToken: cancellationToken).ConfigureAwait(false);
                record = record with { Uri = uploaded.Url, ContentSize = uploaded.Size, Hash = uploaded.Sha256 };
            }
            try
            {
                await Session.CallAsync("tasks.add_or_update_artifacts", new AddOrUpdateArtifactsRequest
                {
                    Task = Id,
                    // The request carries artifacts as a JSON array (the server stores them as sent), each a typed record.
                    Artifacts = [JsonSerializer.SerializeToNode(record, ClearmlJson.TypeInfo<TaskArtifactDto>())],
                    Force = true,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch when (payload.RegisterUri is null)
            {
                await DeleteOrphanAsync(record.Uri!).ConfigureAwait(false);
                throw;
            }
            var artifact = new Artifact(Storage, record);
            _artifacts[name] = artifact;
            return artifact;
        }
        finally
        {
            // Only the SDK's own temporary files are deleted here, never the user's.
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Best effort: a file no record points to is deleted, so a refused registration leaves no orphan behind.</summary>
    private async Task DeleteOrphanAsync(string url)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Storage.DeleteAsync(url, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or UnauthorizedAccessException)
        {
            // The registration's own failure is the one the caller needs; the orphan stays.
        }
    }

    private async Task<string> ProjectNameForUploadsAsync(CancellationToken cancellationToken)
    {
        if ((ProjectName ?? _projectNameForUploads) is { } known)
        {
            return known;
        }
        var data = await Session.CallAsync<GetProjectByIdResponse>("projects.get_by_id", new ProjectRequest { Project = ProjectId }, cancellationToken).ConfigureAwait(false);
        return _projectNameForUploads = data.Project?.Name ?? ProjectId;
    }
}
