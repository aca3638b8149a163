using Cairn.Blobs.Azure;
using Cairn.Blobs.S3;
using Cairn.Core.Blobs;
using Cairn.Server.Hosting;

namespace Cairn.Server.Files;

/// <summary>Chooses the file server's blob store from <c>Cairn:Files:Provider</c>: one provider per process.</summary>
public static class BlobStoreRegistration
{
    /// <summary>
    /// Registers the configured <see cref="IBlobStore"/> and checks its options, so a wrong
    /// setting fails the start with one line naming the option, not the first upload.
    /// </summary>
    /// <exception cref="CairnStartupException">The provider's options are incomplete or wrong, or the disk root cannot be created.</exception>
    public static IServiceCollection AddCairnBlobStore(this IServiceCollection services, IConfiguration configuration, CairnOptions options)
    {
        try
        {
            switch (options.Files.Provider.ToLowerInvariant())
            {
                case FilesOptions.Disk:
                    var disk = new DiskBlobStore(options.FilesRootPath, TimeProvider.System);
                    try
                    {
                        disk.CreateRoot();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new CairnStartupException($"Cairn:FilesRoot '{options.FilesRootPath}' cannot be created: {e.Message}");
                    }
                    services.AddSingleton<IBlobStore>(disk);
                    break;
                case FilesOptions.S3:
                    services.AddS3BlobStore(configuration.GetSection(S3BlobStoreOptions.Section));
                    break;
                case FilesOptions.Azure:
                    services.AddAzureBlobStore(configuration.GetSection(AzureBlobStoreOptions.Section));
                    break;
                default:
                    // CairnOptions.Validate lets only the names above through.
                    throw new CairnStartupException($"Cairn:Files:Provider '{options.Files.Provider}' is not known.");
            }
        }
        catch (BlobStoreConfigurationException e)
        {
            throw new CairnStartupException(e.Message);
        }
        return services;
    }
}
