namespace Cairn.Models;

/// <summary>
/// A downloaded weights file does not have the size or SHA-256 recorded when it was uploaded
/// (<see cref="WeightsIntegrity"/>). The corrupt local copy has been deleted.
/// </summary>
public sealed class ModelIntegrityException : ClearMLStorageException
{
    /// <summary>Creates the exception.</summary>
    public ModelIntegrityException(string modelId, string url, string localPath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ModelId = modelId;
        Url = url;
        LocalPath = localPath;
    }

    /// <summary>The model whose weights differ.</summary>
    public string ModelId { get; }

    /// <summary>The weights URL.</summary>
    public string Url { get; }

    /// <summary>Where the bad copy was (deleted, unless it is the stored file itself: a <c>file://</c> URL).</summary>
    public string LocalPath { get; }
}
