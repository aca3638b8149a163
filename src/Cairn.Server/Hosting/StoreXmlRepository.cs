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

    /// <summary>Makes data protection keep its key ring in the metadata store.</summary>
    public static void Register(IServiceCollection services) =>
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(keys => keys.XmlRepository = new StoreXmlRepository(sp.GetRequiredService<IMetadataStore>())));
}
