using System.Xml.Linq;
using Cairn.Core.Storage;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Hosting;

/// <summary>
/// The web UI's data-protection key ring in the metadata store (<see cref="IDataProtectionKeyStore"/>),
/// so every replica on one database protects and reads cookies with the same keys. ASP.NET Core
/// reads the ring at start and when a key nears expiry, not per request, and its interface is
/// synchronous: the calls block on the store.
/// </summary>
public sealed class StoreXmlRepository(IMetadataStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() =>
        [.. store.DataProtectionKeys.GetAllAsync().GetAwaiter().GetResult().Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName) =>
        store.DataProtectionKeys.AddAsync(friendlyName, element.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();

    /// <summary>
    /// Makes sure the ring holds a key in use now, creating it under the store's ring lock
    /// (<see cref="IDataProtectionKeyStore.LockAsync"/>) when it does not. Run at start, before
    /// any request: replicas starting together on an empty ring then use one key, where each
    /// would otherwise create its own on its first request and, past ASP.NET Core's first
    /// minutes of reloading on unknown keys, refuse the others' cookies until its ring's daily reload.
    /// </summary>
    public static async Task EnsureKeyAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var keys = services.GetRequiredService<IKeyManager>();
        var lifetime = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime;
        var time = services.GetRequiredService<TimeProvider>();
        await using var held = await services.GetRequiredService<IMetadataStore>().DataProtectionKeys.LockAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
        {
            keys.CreateNewKey(now, now + lifetime);
        }
    }

    /// <summary>Makes data protection keep its key ring in the metadata store.</summary>
    public static void Register(IServiceCollection services) =>
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(keys => keys.XmlRepository = new StoreXmlRepository(sp.GetRequiredService<IMetadataStore>())));
}
