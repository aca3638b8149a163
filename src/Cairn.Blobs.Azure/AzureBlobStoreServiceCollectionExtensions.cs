using Cairn.Core.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Blobs.Azure;

public static class AzureBlobStoreServiceCollectionExtensions
{
    /// <summary>Registers the Azure Blob Storage blob store bound from <paramref name="section"/> (<c>Cairn:Files:Azure</c>).</summary>
    /// <exception cref="BlobStoreConfigurationException">An option is missing or wrong; the message names it, never a secret.</exception>
    public static IServiceCollection AddAzureBlobStore(this IServiceCollection services, IConfiguration section)
    {
        var options = section.Get<AzureBlobStoreOptions>() ?? new AzureBlobStoreOptions();
        return services.AddSingleton<IBlobStore>(new AzureBlobStore(options));
    }
}
