namespace Cairn.Core.Storage;

/// <summary>
/// The metadata store cannot be reached or cannot serve right now (the database went away, its
/// connections were cut, it is shutting down, or a lock was held beyond the wait): nothing was
/// decided, so the request may be retried once the database is back. The server answers it with
/// 503, which the SDKs retry. Providers turn their own transient failures into it through
/// <see cref="IMetadataStore.AsUnavailableOrNull"/>.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
