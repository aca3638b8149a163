using Cairn.Core.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Blobs.S3;

public static class S3BlobStoreServiceCollectionExtensions
{
    /// <summary>Registers the S3 blob store bound from <paramref name="section"/> (<c>Cairn:Files:S3</c>).</summary>
    /// <exception cref="BlobStoreConfigurationException">An option is missing or wrong; the message names it.</exception>
    public static IServiceCollection AddS3BlobStore(this IServiceCollection services, IConfiguration section)
    {
        var options = section.Get<S3BlobStoreOptions>() ?? new S3BlobStoreOptions();
        if (options.Validate() is { } problem)
        {
            throw new BlobStoreConfigurationException(problem);
        }
        return services.AddSingleton<IBlobStore>(new S3BlobStore(options));
    }
}
