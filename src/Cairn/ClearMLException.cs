namespace Cairn;

/// <summary>
/// The one type to catch for anything the SDK could not do against a server, a store or its
/// configuration: <see cref="ClearMLRequestException"/> (a call the API server refused or that
/// failed), <see cref="ClearMLStorageException"/> (a file transfer, a store's refusal, an integrity
/// check, a background upload) and <see cref="Configuration.ClearMLConfigurationException"/>
/// (a missing or unusable setting). Argument errors stay <see cref="ArgumentException"/> and
/// cancellation stays <see cref="OperationCanceledException"/>.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> because the storage errors always did: code that
/// catches <see cref="IOException"/> around transfers keeps working.
/// </remarks>
public abstract class ClearMLException : IOException
{
    /// <summary>Creates the exception.</summary>
    protected ClearMLException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Whether trying the same thing again later may succeed (the server or store could not be
    /// reached, was overloaded, or answered 429/502/503/504); false for refusals that will repeat.
    /// </summary>
    public virtual bool IsTransient => false;
}

/// <summary>
/// A file could not be stored or fetched, or its bytes are not the ones recorded: the base of
/// <see cref="Storage.StorageRequestException"/>, <see cref="Storage.StorageIntegrityException"/>,
/// <see cref="Models.ModelIntegrityException"/> and <see cref="Models.ModelUploadException"/>.
/// </summary>
public abstract class ClearMLStorageException : ClearMLException
{
    /// <summary>Creates the exception.</summary>
    protected ClearMLStorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
