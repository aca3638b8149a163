namespace Cairn.Models;

/// <summary>
/// A background weights upload failed; the model's URI was set to <c>…/failed_uploading</c>
/// (or kept at its previous stored URL). Thrown by <see cref="OutputModel.WaitForUploadsAsync"/>
/// and by closing the experiment.
/// </summary>
public sealed class ModelUploadException : ClearMLStorageException
{
    /// <summary>Creates the exception.</summary>
    public ModelUploadException(string modelId, string url, Exception innerException)
        : base($"Uploading the weights of model {modelId} to {url} failed: {innerException.Message}", innerException)
    {
        ModelId = modelId;
        Url = url;
    }

    /// <summary>The model whose weights did not arrive.</summary>
    public string ModelId { get; }

    /// <summary>The planned URL.</summary>
    public string Url { get; }
}
