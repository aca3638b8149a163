using Cairn.Models;
using Cairn.Protocol.Services;

namespace Cairn;

public partial class Model
{
    /// <summary>
    /// Publishes the model (<c>models.set_ready</c>, the creating task left as it is) after sending
    /// its queued reports, since a published model takes no more events; nothing is sent when it already is.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The server refused (e.g. the model does not exist).</exception>
    public async Task PublishAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        if (Published)
        {
            return;
        }
        await FlushReportsAsync(cancellationToken).ConfigureAwait(false);
        await Session.CallAsync("models.set_ready", new SetReadyRequest { Model = Id, PublishTask = false }, cancellationToken).ConfigureAwait(false);
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Archives the model (<c>models.archive_many</c>): it leaves default queries but is kept.</summary>
    /// <exception cref="ClearMLRequestException">The server refused.</exception>
    public Task ArchiveAsync(CancellationToken cancellationToken = default) => SetArchivedAsync("models.archive_many", cancellationToken);

    /// <summary>Restores an archived model (<c>models.unarchive_many</c>).</summary>
    /// <exception cref="ClearMLRequestException">The server refused.</exception>
    public Task UnarchiveAsync(CancellationToken cancellationToken = default) => SetArchivedAsync("models.unarchive_many", cancellationToken);

    /// <summary>
    /// Deletes the model from the server (<c>models.delete</c>) and, with
    /// <paramref name="deleteWeightsFile"/>, its weights file from storage (placeholder and
    /// <c>failed_uploading</c> URIs are not files). ClearML has no <c>delete</c>; this is its <c>remove</c>.
    /// </summary>
    /// <param name="deleteWeightsFile">Also delete the weights file (ClearML's default).</param>
    /// <param name="force">Delete even when other experiments use the model.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the model and (if asked) its file are gone; false when the model was deleted but its file could not be.</returns>
    /// <exception cref="ClearMLRequestException">The server refused (no such model, or in use without <paramref name="force"/>).</exception>
    public async Task<bool> RemoveAsync(bool deleteWeightsFile = true, bool force = false, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(Id))
        {
            return true; // An output model never created on the server has nothing to remove.
        }
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        var url = Url;
        await Session.CallAsync("models.delete", new DeleteModelRequest { Model = Id, Force = force, DeleteExternalArtifacts = deleteWeightsFile }, cancellationToken).ConfigureAwait(false);
        if (!deleteWeightsFile || string.IsNullOrEmpty(url) || PlaceholderUri.IsPlaceholder(url))
        {
            return true;
        }
        try
        {
            // False only means the file was already gone (a server may delete it itself).
            await Storage.DeleteAsync(url, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }

    private async Task SetArchivedAsync(string endpoint, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Session.CallAsync(endpoint, new ModelIdsRequest { Ids = [Id] }, cancellationToken).ConfigureAwait(false);
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }
}
