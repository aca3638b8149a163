namespace Cairn.Core.Storage;

/// <summary>
/// The web UI's ASP.NET Core data-protection key ring (the keys that sign the sign-in cookie and
/// the antiforgery tokens), kept in the metadata store so every replica on one database reads
/// the same ring and a browser session signed in on one works on all of them.
/// </summary>
public interface IDataProtectionKeyStore
{
    /// <summary>Every stored element's XML, oldest first.</summary>
    Task<IReadOnlyList<string>> GetAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds one element (a key or a revocation); <paramref name="friendlyName"/> is for people reading the table.</summary>
    Task AddAsync(string friendlyName, string xml, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the ring's lock, which every process on this store honours, until the result is
    /// disposed. Replicas starting together look for a usable key and create one under it, one
    /// after another, so they all protect with the same key: ASP.NET Core reloads its cached ring
    /// on meeting an unknown key only in its first minutes, so keys created side by side would
    /// leave each replica unable to read the others' cookies for up to a day.
    /// </summary>
    Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken = default);
}
