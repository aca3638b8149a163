using System.Globalization;
using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Storage;

namespace Cairn;

public sealed partial class OutputModel
{
    /// <summary>
    /// Stores new weights for this model. With <paramref name="weightsFilename"/> the file is
    /// uploaded in the background to
    /// <c>&lt;destination&gt;/&lt;project&gt;/&lt;experiment&gt;.&lt;id&gt;/models/&lt;target file name&gt;</c>
    /// and the planned URL is returned at once; the model's URI switches to it, and its size and
    /// SHA-256 are recorded (<see cref="WeightsIntegrity"/>), when the upload finishes. A failed upload
    /// sets the URI to <c>…/failed_uploading</c> (or back to the last stored URL) and is thrown by
    /// <see cref="WaitForUploadsAsync"/>. With <paramref name="registerUri"/>, or when there is no
    /// destination at all (<see cref="UploadStorageUri"/>), nothing is uploaded: the URI (or the
    /// file's <c>file://</c> path) is recorded as is. A folder is zipped and stored as a package.
    /// The caller's file is never deleted, and must not change until the upload has finished.
    /// </summary>
    /// <param name="weightsFilename">The local weights file or folder; not with <paramref name="registerUri"/>.</param>
    /// <param name="uploadUri">Upload here (and from now on) instead of <see cref="UploadStorageUri"/>.</param>
    /// <param name="targetFilename">The stored file name; default: the local file's name.</param>
    /// <param name="autoDeleteFile">Delete temporary files the SDK made for this upload (a folder's zip) once stored. Never applies to the caller's own files.</param>
    /// <param name="registerUri">An already-stored weights URL (or local path) to record instead of uploading.</param>
    /// <param name="iteration">The training iteration the weights are from.</param>
    /// <param name="updateComment">Prefix the comment with "snapshot &lt;file&gt; stored".</param>
    /// <param name="isPackage">The weights are a zip package (adds the <c>package</c> system tag).</param>
    /// <param name="progress">Receives upload progress.</param>
    /// <param name="cancellationToken">Cancels the calls and the background upload this starts (a cancelled upload fails as any other: <see cref="WaitForUploadsAsync"/> throws it and the URI is reset).</param>
    /// <returns>The (planned) weights URL.</returns>
    /// <exception cref="ArgumentException">Both or neither of <paramref name="weightsFilename"/> and <paramref name="registerUri"/>, a missing file, or an unsupported URI scheme (the exception names the argument).</exception>
    /// <exception cref="InvalidOperationException">The model is published.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public async Task<string> UpdateWeightsAsync(string? weightsFilename = null, string? uploadUri = null, string? targetFilename = null,
        bool autoDeleteFile = true, string? registerUri = null, long? iteration = null, bool updateComment = true, bool isPackage = false,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if ((weightsFilename is null) == (registerUri is null))
        {
            throw new ArgumentException("Give exactly one of weightsFilename (a local file to upload) or registerUri (a stored URL to record).",
                weightsFilename is null ? nameof(weightsFilename) : nameof(registerUri));
        }
        if (weightsFilename is not null && !File.Exists(weightsFilename) && !Directory.Exists(weightsFilename))
        {
            throw new ArgumentException($"'{weightsFilename}' given as weightsFilename does not exist.", nameof(weightsFilename));
        }
        var conformedUpload = uploadUri is null ? null : ModelDestination.ConformDestination(uploadUri, nameof(uploadUri), Session);
        var conformedRegister = registerUri is null ? null
            : registerUri.Contains("://", StringComparison.Ordinal) ? ModelDestination.Conform(registerUri, nameof(registerUri))
            : new Uri(Path.GetFullPath(registerUri)).AbsoluteUri;
        if (targetFilename is not null && (targetFilename.Length == 0 || targetFilename.Contains('/', StringComparison.Ordinal) || targetFilename.Contains('\\', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{targetFilename}' given as targetFilename must be a plain file name.", nameof(targetFilename));
        }
        await ThrowIfPublishedAsync(cancellationToken).ConfigureAwait(false);

        if (weightsFilename is not null && Directory.Exists(weightsFilename))
        {
            return await UpdateWeightsPackageAsync(weightsPath: weightsFilename, uploadUri: uploadUri, targetFilename: targetFilename,
                autoDeleteFile: autoDeleteFile, iteration: iteration, progress: progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        return await UpdateWeightsCoreAsync(weightsFilename is null ? null : Path.GetFullPath(weightsFilename), conformedUpload, targetFilename,
            autoDeleteFile, conformedRegister, iteration, updateComment ? $"snapshot {weightsFilename ?? registerUri} stored" : null,
            isPackage, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores new weights as <see cref="UpdateWeightsAsync(string?, string?, string?, bool, string?, long?, bool, bool, IProgress{TransferProgress}?, CancellationToken)"/>, from an options object.</summary>
    /// <param name="options">The file to upload or the URL to record, and the rest.</param>
    /// <param name="cancellationToken">Cancels the calls and the background upload this starts.</param>
    /// <returns>The (planned) weights URL.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A missing file, or an unsupported URI scheme.</exception>
    /// <exception cref="InvalidOperationException">The model is published.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public Task<string> UpdateWeightsAsync(UpdateWeightsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UpdateWeightsAsync(options.WeightsFilename, options.UploadUri, options.TargetFilename, options.AutoDeleteFile, options.RegisterUri,
            options.Iteration, options.UpdateComment, options.IsPackage, options.Progress, cancellationToken);
    }

    /// <summary>
    /// Zips <paramref name="weightsFilenames"/> (paths relative to their common folder) or the
    /// folder <paramref name="weightsPath"/> into a temporary package, stored without compression,
    /// and uploads it as <c>&lt;targetFilename&gt;.zip</c> (default: the folder's name, or
    /// <c>model_package</c>) with the <c>package</c> system tag. The caller's files are never deleted.
    /// </summary>
    /// <param name="weightsFilenames">Files to package; not with <paramref name="weightsPath"/>.</param>
    /// <param name="weightsPath">A folder to package; not with <paramref name="weightsFilenames"/>.</param>
    /// <param name="uploadUri">Upload here instead of <see cref="UploadStorageUri"/>.</param>
    /// <param name="targetFilename">The stored name (<c>.zip</c> is added).</param>
    /// <param name="autoDeleteFile">Delete the temporary zip once stored (default); false keeps it.</param>
    /// <param name="iteration">The training iteration the weights are from.</param>
    /// <param name="progress">Receives upload progress.</param>
    /// <param name="cancellationToken">Cancels zipping, the calls and the background upload this starts.</param>
    /// <returns>The planned package URL.</returns>
    /// <exception cref="ArgumentException">Both or neither source given, an empty list, or a missing file or folder.</exception>
    /// <exception cref="InvalidOperationException">The model is published, or there is no upload destination.</exception>
    public async Task<string> UpdateWeightsPackageAsync(IEnumerable<string>? weightsFilenames = null, string? weightsPath = null,
        string? uploadUri = null, string? targetFilename = null, bool autoDeleteFile = true, long? iteration = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var files = weightsFilenames?.ToList();
        if ((files is null) == (weightsPath is null))
        {
            throw new ArgumentException("Give exactly one of weightsFilenames (files) or weightsPath (a folder).",
                files is null ? nameof(weightsFilenames) : nameof(weightsPath));
        }
        if (files is { Count: 0 })
        {
            throw new ArgumentException("weightsFilenames is empty.", nameof(weightsFilenames));
        }
        if (files?.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new ArgumentException($"'{missing}' in weightsFilenames does not exist.", nameof(weightsFilenames));
        }
        if (weightsPath is not null && !Directory.Exists(weightsPath))
        {
            throw new ArgumentException($"'{weightsPath}' given as weightsPath is not a folder.", nameof(weightsPath));
        }
        var conformedUpload = uploadUri is null ? null : ModelDestination.ConformDestination(uploadUri, nameof(uploadUri), Session);
        await ThrowIfPublishedAsync(cancellationToken).ConfigureAwait(false);
        if ((conformedUpload ?? UploadStorageUri) is null)
        {
            throw new InvalidOperationException("A package needs an upload destination: pass uploadUri, or give the model or experiment an output URI.");
        }

        var target = targetFilename
            ?? (weightsPath is not null ? Path.GetFileName(Path.GetFullPath(weightsPath).TrimEnd(Path.DirectorySeparatorChar)) : "model_package");
        if (!target.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            target += ".zip";
        }
        var zip = weightsPath is not null
            ? await ModelPackage.ZipFolderAsync(weightsPath, cancellationToken).ConfigureAwait(false)
            : await ModelPackage.ZipFilesAsync(files!, cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = weightsPath ?? $"[{string.Join(", ", files!.Select(Path.GetFileName))}]";
            return await UpdateWeightsCoreAsync(zip, conformedUpload, target, autoDeleteFile, null, iteration,
                $"snapshot {snapshot} stored", isPackage: true, progress, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ModelPackage.DeleteIfSdkTemporary(zip);
            throw;
        }
    }

    private async Task<string> UpdateWeightsCoreAsync(string? localFile, string? uploadUri, string? targetFilename, bool autoDeleteFile,
        string? registerUri, long? iteration, string? snapshotComment, bool isPackage, IProgress<TransferProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (uploadUri is not null)
        {
            _uploadDestination = uploadUri;
        }
        var fileName = targetFilename ?? (localFile is null ? null : Path.GetFileName(localFile));
        if (_entryName is null)
        {
            _entryName = InputModel.EntryNameFromUrl(fileName ?? registerUri) ?? "Output Model";
            _entryRegistered = false;
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await RegisterEntryAsync(cancellationToken).ConfigureAwait(false);

        var framework = Framework ?? Cairn.Framework.FromFileName(fileName ?? registerUri);
        var comment = snapshotComment is null ? null : snapshotComment + (Comment.Length == 0 ? "" : "\n" + Comment);
        var destination = UploadStorageUri;
        if (registerUri is not null || destination is null)
        {
            var uri = registerUri ?? new Uri(localFile!).AbsoluteUri;
            await DropIntegrityKeysAsync(cancellationToken).ConfigureAwait(false);
            await ModelWire.EditAsync(Session, Id, StoredFields(uri, framework, iteration, comment, isPackage), cancellationToken).ConfigureAwait(false);
            await base.LoadAsync(cancellationToken).ConfigureAwait(false);
            return uri;
        }

        var url = ModelDestination.Build(destination, Experiment.ProjectName ?? "", Experiment.ProjectId, Experiment.Name, Experiment.Id, fileName!);
        var previous = Url is { } current && !PlaceholderUri.IsPlaceholder(current) ? current : null;
        await Session.Uploads.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        // The caller's token goes with the upload: cancelling it stops the transfer it started.
        Session.Uploads.Enqueue(Id, url, Experiment.Id,
            ct => UploadAndSwitchAsync(localFile!, url, destination, previous, framework, iteration, comment, isPackage, autoDeleteFile, progress, ct),
            cancellationToken);
        return url;
    }

    // Runs in the background: upload, record size and hash, then switch the URI (metadata first, so
    // the new URI is never shown with an old hash).
    private async Task UploadAndSwitchAsync(string localFile, string url, string destination, string? previousUrl, string? framework,
        long? iteration, string? comment, bool isPackage, bool autoDeleteFile, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await Storage.UploadFileAsync(localFile, url, progress, cancellationToken).ConfigureAwait(false);
            await Session.CallAsync("models.add_or_update_metadata", new AddOrUpdateMetadataRequest
            {
                Model = Id,
                Metadata =
                [
                    new MetadataItemDto { Key = WeightsIntegrity.Sha256Key, Type = "str", Value = stored.Sha256 },
                    new MetadataItemDto { Key = WeightsIntegrity.SizeKey, Type = "int", Value = stored.Size.ToString(CultureInfo.InvariantCulture) },
                ],
                ReplaceMetadata = false,
            }, CancellationToken.None).ConfigureAwait(false);
            // Once the bytes are stored the hash and URI are recorded regardless of the token: a
            // half-recorded switch (new hash, old URI) would fail every later download.
            await ModelWire.EditAsync(Session, Id, StoredFields(stored.Url, framework, iteration, comment, isPackage), CancellationToken.None).ConfigureAwait(false);
            await base.LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            try
            {
                await ModelWire.EditAsync(Session, Id, new EditModelRequest { Uri = previousUrl ?? PlaceholderUri.Under(destination, PlaceholderUri.Failed) }, CancellationToken.None).ConfigureAwait(false);
                await base.LoadAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception markError) when (markError is ClearMLRequestException or HttpRequestException)
            {
                // The upload's own error is the one to report.
            }
            throw new ModelUploadException(Id, url, e);
        }
        finally
        {
            if (autoDeleteFile)
            {
                ModelPackage.DeleteIfSdkTemporary(localFile);
            }
        }
    }

    private EditModelRequest StoredFields(string uri, string? framework, long? iteration, string? comment, bool isPackage) => new()
    {
        Uri = uri,
        Task = Experiment.Id,
        Project = Experiment.ProjectId,
        Framework = framework,
        Iteration = iteration,
        Comment = comment,
        SystemTags = isPackage && !SystemTags.Contains("package") ? [.. SystemTags, "package"] : null,
    };

    // A registered (not uploaded) URI has no recorded hash: an old one would fail every download.
    private async Task DropIntegrityKeysAsync(CancellationToken cancellationToken)
    {
        var metadata = GetAllMetadata();
        if (!metadata.ContainsKey(WeightsIntegrity.Sha256Key) && !metadata.ContainsKey(WeightsIntegrity.SizeKey))
        {
            return;
        }
        await Session.CallAsync("models.delete_metadata", new DeleteMetadataRequest
        {
            Model = Id,
            Keys = [WeightsIntegrity.Sha256Key, WeightsIntegrity.SizeKey],
        }, cancellationToken).ConfigureAwait(false);
    }
}
